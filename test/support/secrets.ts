/**
 * The made-up secrets the tests put into connection URLs and the environment:
 * never real credentials, and never written out in a URL. A test builds its
 * URLs from these, so a secret the code must hide is one name the assertions
 * can look for. One per role a test tells apart.
 */
export const fixtureSecrets = {
  /** A URL's password (userinfo). */
  user: 'fixture-user-s3cret',
  /** `?password=` */
  param: 'fixture-param-s3cret',
  /** `?sslpassword=` */
  ssl: 'fixture-ssl-s3cret',
  /** PGPASSWORD */
  env: 'fixture-env-s3cret',
} as const;

/** The password of the fixtures' URLs. */
export const fixturePassword = fixtureSecrets.user;

/**
 * The made-up secrets of the auth-provider tests (test/providers): a
 * signing secret (better-auth wants at least 32 characters) and a user's
 * password. Built from the fixture's own, never a real credential.
 */
export const providerSecrets = {
  /** better-auth's `secret`. */
  signing: `${fixtureSecrets.user}-provider-signing-key`,
  /** A user's password, for sign-up. */
  password: `${fixtureSecrets.user}-user`,
} as const;
