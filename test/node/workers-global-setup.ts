/**
 * Global setup of the `workers` test project (runs in Node): starts the fake LLM provider
 * / webhook server and hands its URL to the tests as `inject('fakeProvider')`.
 */
import type { TestProject } from 'vitest/node';
import { startFakeProvider, type FakeProvider } from './fake-provider.ts';

let fake: FakeProvider | undefined;

export async function setup(project: TestProject) {
  fake = await startFakeProvider();
  project.provide('fakeProvider', fake.url);
}

export async function teardown() {
  await fake?.close();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the fake provider server (test/node/fake-provider.ts). */
    fakeProvider: string;
  }
}
