import { packageBuild } from '@spice-ts/config/tsup';

export default packageBuild({ entry: ['src/index.ts', 'src/main.ts'] });
