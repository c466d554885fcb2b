import * as vscode from 'vscode';
import { describePolicy } from '../../core/prune/policy';
import { DEFAULT_FLOOR, describeFloor } from '../../core/snapshot/spaceFloor';
import { readRetention, SECTION } from '../settings/settings';

/** What "Keep history automatically?" switches on when no setting says otherwise. */
export const DEFAULT_HISTORY = { minutes: 10, idleSeconds: 30 } as const;

const CHOICE_KEY = 'rsyncSnapshots.keepHistory';

export interface HistorySchedule {
  /** Snapshot every N minutes (0: off). */
  minutes: number;
  /** Snapshot once saving has been idle N seconds (0: off). */
  idleSeconds: number;
}

/** Lets the integration tests answer "Keep history automatically?" instead of a person. */
export interface HistoryHooks {
  keepHistory?: () => boolean;
}

/**
 * A folder's automatic history: the settings when they are set (user, workspace or folder — they always rule), else the
 * answer this workspace gave to "Keep history automatically?" (workspaceState). Off in Restricted Mode, whatever anyone
 * set or answered: RESTRICTED_SETTINGS' rule that a folder's own files never start work.
 */
export function historySchedule(folder: vscode.WorkspaceFolder, state: vscode.Memento): HistorySchedule {
  if (!vscode.workspace.isTrusted) return { minutes: 0, idleSeconds: 0 };
  const { minutes, idleSeconds } = scheduleSettings(folder);
  const chosen = state.get<boolean>(CHOICE_KEY) === true;
  return {
    minutes: minutes ?? (chosen ? DEFAULT_HISTORY.minutes : 0),
    idleSeconds: idleSeconds ?? (chosen ? DEFAULT_HISTORY.idleSeconds : 0),
  };
}

export const historyOn = (s: HistorySchedule) => s.minutes > 0 || s.idleSeconds > 0;

/**
 * After the first Snapshot workspace of a workspace: "Keep history automatically?", once (the answer, Yes or No, is
 * kept in workspaceState). Not asked in Restricted Mode, nor when the settings already decide. True when switched on.
 */
export async function askKeepHistory(folder: vscode.WorkspaceFolder, state: vscode.Memento, hooks: HistoryHooks): Promise<boolean> {
  if (!vscode.workspace.isTrusted || state.get<boolean>(CHOICE_KEY) !== undefined) return false;
  const { minutes, idleSeconds } = scheduleSettings(folder);
  if (minutes !== undefined || idleSeconds !== undefined || asked) return false;
  asked = true; // a dismissed question is not asked again in this window (only an answer is remembered)
  const yes = 'Yes';
  const answer = hooks.keepHistory
    ? hooks.keepHistory()
    : await vscode.window.showInformationMessage(keepHistoryQuestion(folder), yes, 'No').then((choice) => (choice === undefined ? undefined : choice === yes));
  if (answer === undefined) return false;
  await state.update(CHOICE_KEY, answer);
  return answer;
}

let asked = false;

/** The question, with what the history keeps (the folder's thinning setting) in the same words as the settings. */
export function keepHistoryQuestion(folder: vscode.WorkspaceFolder): string {
  const { thinning } = readRetention(folder);
  const keeps = `${thinning ? `; it ${describePolicy({ strategy: thinning })}` : '; every snapshot is kept'}; it never lets free space drop below ${describeFloor(DEFAULT_FLOOR)}`;
  return `Keep history automatically? A snapshot every ${DEFAULT_HISTORY.minutes} minutes and after saves go idle (${DEFAULT_HISTORY.idleSeconds} s), only when something changed${keeps}. (Settings: Auto Snapshot Minutes, Snapshot After Save Idle Seconds, Thin Automatic History.)`;
}

/** The schedule settings where someone set them (user, workspace or folder); undefined where only the default speaks. */
function scheduleSettings(folder: vscode.WorkspaceFolder): { minutes?: number; idleSeconds?: number } {
  const config = vscode.workspace.getConfiguration(SECTION, folder.uri);
  const set = (key: string) => {
    const v = config.inspect<number>(key);
    return v?.workspaceFolderValue ?? v?.workspaceValue ?? v?.globalValue;
  };
  return { minutes: set('autoSnapshotMinutes'), idleSeconds: set('snapshotAfterSaveIdleSeconds') };
}
