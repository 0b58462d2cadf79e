/** Every D1 table, for drizzle-kit and for typed queries. */
export * from './tenancy';
export * from './traces';
