import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension } from './helpers';
import { screenshot } from './screenshot';

const EXTENSION_ID = 'rsync-snapshots.rsync-snapshots';

describe('smoke: the extension in a real VS Code', () => {
  it('runs inside VS Code 1.x', () => {
    assert.ok(vscode.version.startsWith('1.'), `vscode.version is ${vscode.version}`);
  });

  it(`has the extension ${EXTENSION_ID} loaded from the development path`, () => {
    assert.ok(vscode.extensions.getExtension(EXTENSION_ID), `${EXTENSION_ID} is not among the loaded extensions`);
  });

  it('activates through its view and exports its API (activation time is printed, not asserted: shared machines are noisy)', async () => {
    const api = await activateExtension();
    assert.ok(api.tree && api.runner, 'the API has the tree and the runner');
    console.log(`[measure] activate() took ${api.activationMs.toFixed(1)} ms (target < 30 ms)`);
  });

  it('shows the Snapshots view (screenshot smoke-snapshots-view)', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.rsyncSnapshots');
    await new Promise((resolve) => setTimeout(resolve, 1500)); // let the view render
    await screenshot('smoke-snapshots-view');
  });
});
