// The shape CI guards (npm run depcheck): no import cycles; core never imports vscode; only the root's opening
// (src/core/root/open.ts) and the root implementations know the ssh implementation; features never import
// src/core/root/local or src/core/root/ssh directly; cli and extension reach roots through open.ts.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', comment: 'An import cycle: split the shared part out.', from: {}, to: { circular: true } },
    { name: 'core-without-vscode', severity: 'error', comment: 'src/core is pure Node: no vscode import.', from: { path: '^src/core' }, to: { path: '^vscode$|node_modules/@types/vscode' } },
    {
      name: 'features-not-to-transports',
      severity: 'error',
      comment: 'Features work on the opened BackupRoot; only root/open.ts and the implementations themselves import root/local or root/ssh.',
      from: { path: '^src/(core/(snapshot|versions|changes|changeSets|restore|prune|usage|doctor|cron|util)|cli|extension)/' },
      to: { path: '^src/core/root/(local|ssh)/' },
    },
    {
      name: 'ssh-only-through-the-root',
      severity: 'error',
      comment: 'The ssh implementation is reached only through root/open.ts.',
      from: { path: '^src/', pathNot: '^src/core/root/(ssh/|open\\.ts$)' },
      to: { path: '^src/core/root/ssh/' },
    },
    { name: 'not-to-tests', severity: 'error', from: { path: '^src/' }, to: { path: '^test/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(out|dist|node_modules)/' },
  },
};
