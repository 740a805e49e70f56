/**
 * Test fixture: a real distribution registry (Debian's /usr/bin/docker-registry) on 127.0.0.1
 * with storage in a temp dir, readiness polled with a deadline, and push helpers for small
 * images and indexes over the distribution API. The implementation is shared with the Harbor
 * emulator's tests (one copy of the spawn/readiness/push code).
 */
export { freePort, pushImage, pushIndex, startRegistry, type TestRegistry } from '../../fixtures/sandbox/harbor-emulator/test-support/registry.ts';
