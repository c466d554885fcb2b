import * as vscode from 'vscode';

/** Read-only markdown documents (backup root check, "why a full copy"): no "save changes?" prompt when closed. */
export const REPORT_SCHEME = 'rsync-snapshots-report';

const reports = new Map<string, string>();
const changed = new vscode.EventEmitter<vscode.Uri>();

export function registerReportProvider(): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, { onDidChange: changed.event, provideTextDocumentContent: (uri) => reports.get(uri.path) ?? '' }),
    changed,
  );
}

/**
 * Shows `markdown` formatted (VS Code's Markdown preview) from a read-only document named `name.md`; showing the same
 * name again replaces its content. Without the built-in Markdown extension, the document itself opens.
 */
export async function showReport(name: string, markdown: string): Promise<vscode.Uri> {
  const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${name}.md` });
  reports.set(uri.path, markdown);
  changed.fire(uri);
  const doc = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), 'markdown');
  // Executing the command activates the built-in Markdown extension (getCommands would not list it before that).
  await vscode.commands.executeCommand('markdown.showPreview', uri).then(undefined, () => vscode.window.showTextDocument(doc, { preview: true }));
  return uri;
}
