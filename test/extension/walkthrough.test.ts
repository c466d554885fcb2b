import assert from 'node:assert';
import fs from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID, sleep } from './helpers';
import { screenshot } from './screenshot';

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string };
  completionEvents?: string[];
}

describe('The getting-started walkthrough', function () {
  it('has the six steps, each with its page and links to commands that exist, and opens in the workbench', async () => {
    await activateExtension();
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const walkthroughs = ext.packageJSON.contributes.walkthroughs as { id: string; steps: Step[] }[];
    assert.strictEqual(walkthroughs.length, 1);
    const steps = walkthroughs[0].steps;
    assert.deepStrictEqual(
      steps.map((s) => s.id),
      ['chooseRoot', 'firstSnapshot', 'automaticHistory', 'compareFile', 'restoreSafely', 'remoteRoots'],
    );
    const commands = new Set(await vscode.commands.getCommands(true));
    for (const step of steps) {
      assert.ok(step.media.markdown && fs.existsSync(path.join(ext.extensionPath, step.media.markdown)), `${step.id}: its page ${step.media.markdown} exists`);
      const linked = [...step.description.matchAll(/\(command:([\w.]+)/g)].map((m) => m[1]);
      assert.ok(linked.length, `${step.id} offers a button`);
      for (const id of linked) assert.ok(commands.has(id), `${step.id}: command ${id} exists`);
      for (const event of step.completionEvents ?? []) {
        const command = /^onCommand:(.+)$/.exec(event)?.[1];
        if (command) assert.ok(commands.has(command), `${step.id}: completion command ${command} exists`);
      }
    }
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#${walkthroughs[0].id}`, false);
    await sleep(1500);
    await screenshot('walkthrough');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
