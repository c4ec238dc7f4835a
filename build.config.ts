import { defineBuildConfig } from 'unbuild';

// One ESM bundle per entry; dependencies stay external so npm installs them once.
export default defineBuildConfig({
  entries: ['src/cli/main', 'src/index'],
  // Only .d.mts: the exports map points `types` at it, and the package is ESM only.
  declaration: 'node16',
  clean: true,
  rollup: { emitCJS: false, inlineDependencies: false },
  failOnWarn: false,
});
