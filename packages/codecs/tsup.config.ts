import { packageBuild } from '@spice-ts/config/tsup';

// encoder-worker is the body of the encoder threads (createEncoderPool loads it beside index.js).
export default packageBuild({ entry: ['src/index.ts', 'src/encoder-worker.ts'] });
