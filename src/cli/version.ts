// Bundled into the build (and into the single binary), so `--version` reads no file at run time.
import pkg from '../../package.json' with { type: 'json' };

/** corch's version, embedded at build time. */
export const VERSION: string = pkg.version;
