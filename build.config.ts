import { defineBuildConfig } from 'unbuild';

// One ESM bundle per entry; dependencies stay external so npm installs them once.
export default defineBuildConfig({
  entries: ['src/cli/main', 'src/index'],
  declaration: true,
  clean: true,
  rollup: { emitCJS: false, inlineDependencies: false },
  failOnWarn: false,
});
