/**
 * @spice-ts/channel-compliance — a test suite any channel built on the @spice-ts/channel SDK runs
 * in a few lines (`describeChannelCompliance(name, factory)` inside a vitest file).
 */
export * from './compliance.js';
