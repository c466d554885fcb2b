import * as vscode from 'vscode';
import { queryRegExp } from '../../core/search/pattern';
import type { SearchQuery } from '../../core/search/types';
import { isSnapshotError } from '../../core/util/errors';

/** The input box on screen while the query is asked (tests type into it and accept it as a person would). */
export const activeSearchInput: { box?: vscode.InputBox } = {};

const TITLE = 'Search in snapshots';

/**
 * Asks for the query in two steps: the text (buttons toggle regular expression and match case, shown in the title),
 * then an optional path glob. Undefined when dismissed.
 */
export async function askSearchQuery(last?: SearchQuery): Promise<SearchQuery | undefined> {
  const query: SearchQuery = { pattern: last?.pattern ?? '', regex: last?.regex ?? false, ignoreCase: last?.ignoreCase ?? true };
  const pattern = await ask((box) => {
    box.placeholder = 'Text to find in every version of every file';
    box.value = query.pattern;
    const update = () => {
      const flags = [query.regex ? 'regular expression' : 'text', query.ignoreCase ? 'any case' : 'match case'];
      box.title = `${TITLE} (${flags.join(', ')})`;
      box.buttons = [
        {
          iconPath: new vscode.ThemeIcon(query.regex ? 'regex' : 'whole-word'),
          tooltip: query.regex ? 'Regular expression: on (click for plain text)' : 'Plain text (click for a regular expression)',
        },
        { iconPath: new vscode.ThemeIcon(query.ignoreCase ? 'preserve-case' : 'case-sensitive'), tooltip: query.ignoreCase ? 'Any case (click to match case)' : 'Match case (click for any case)' },
      ];
      box.validationMessage = problem({ ...query, pattern: box.value });
    };
    box.onDidTriggerButton((button) => {
      if (button === box.buttons[0]) query.regex = !query.regex;
      else query.ignoreCase = !query.ignoreCase;
      update();
    });
    box.onDidChangeValue(update);
    update();
    return () => (box.value && !problem({ ...query, pattern: box.value }) ? box.value : undefined);
  });
  if (pattern === undefined) return undefined;
  const glob = await ask((box) => {
    box.title = `${TITLE}: ${JSON.stringify(pattern)}`;
    box.placeholder = 'Only files matching (optional): *.ts, src/**, docs/*.md — Enter for all files';
    box.value = last?.pathGlob ?? '';
    return () => box.value.trim();
  });
  if (glob === undefined) return undefined;
  return { ...query, pattern, pathGlob: glob || undefined };
}

/** One input box: `setup` configures it and returns what Enter accepts (undefined keeps it open). */
function ask(setup: (box: vscode.InputBox) => () => string | undefined): Promise<string | undefined> {
  const box = vscode.window.createInputBox();
  activeSearchInput.box = box;
  const accept = setup(box);
  return new Promise((resolve) => {
    let done = false;
    box.onDidAccept(() => {
      const value = accept();
      if (value === undefined) return;
      done = true;
      resolve(value);
      box.hide();
    });
    box.onDidHide(() => {
      if (activeSearchInput.box === box) activeSearchInput.box = undefined;
      box.dispose();
      if (!done) resolve(undefined);
    });
    box.show();
  });
}

/** Why the pattern cannot be searched, for the input's validation message. */
function problem(query: SearchQuery): string | undefined {
  if (!query.pattern) return undefined;
  try {
    queryRegExp(query);
    return undefined;
  } catch (err) {
    return isSnapshotError(err) ? err.message : String(err);
  }
}
