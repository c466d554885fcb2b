import { version } from '../../package.json';

/** This build's version (package.json), for `--version` and the installed CLI's check. */
export const VERSION: string = version;
