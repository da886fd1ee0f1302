import { packageTests } from '@spice-ts/config/vitest';

export default packageTests();
