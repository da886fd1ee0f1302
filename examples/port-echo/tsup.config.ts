import { packageBuild } from '@spice-ts/config/tsup';

export default packageBuild();
