import type { TestCaseResult } from '../model/build.js';
import type { Db, Multi } from './db.js';

/** Test results of a build: db:tests:<buildId>, a list of TestCaseResult JSON, one per test case. */
export class TestsRepo {
  constructor(private readonly db: Db) {}

  /** Append a build's test cases (inside the Builds repository's transaction). */
  append(m: Multi, buildId: number, tests: TestCaseResult[]): void {
    if (tests.length) m.rpush(this.db.keys.tests(buildId), ...tests.map((t) => JSON.stringify(t)));
  }

  /** Deletes a build's test results (retention). Returns the keys deleted. */
  drop(m: Multi, buildId: number): number {
    m.del(this.db.keys.tests(buildId));
    return 1;
  }

  async get(buildId: number): Promise<TestCaseResult[]> {
    const raw = await this.db.redis.lrange(this.db.keys.tests(buildId), 0, -1);
    return raw.map((r) => JSON.parse(r) as TestCaseResult);
  }
}
