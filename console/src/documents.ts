// Every GraphQL document the console sends, typed against schema.graphql.
import { graphql, type ResultOf } from "./graphql";

export const MmpConfigFields = graphql(`
  fragment MmpConfigFields on MmpConfig {
    accountId
    underlying
    windowTimeInMilliseconds
    frozenTimeInMilliseconds
    qtyLimit
    deltaLimit
    vegaLimit
    maxQuoteQuantity
    lastTriggerTime
    observedAt
    frozen
    frozenUntil
    venue
  }
`);

export const MeQuery = graphql(`
  query Me {
    me {
      id
      name
      admin
    }
  }
`);

/** the account list: local to the gateway, no exchange read, so one venue being down never hides it */
export const OverviewQuery = graphql(`
  query Overview {
    serverTime
    accounts {
      id
      name
      venue
      environment
      role
    }
  }
`);

/** one account's MMP state, read per account section: a venue that cannot be read fails its section only */
export const AccountStateQuery = graphql(
  `
    query AccountState($id: ID!) {
      account(id: $id) {
        id
        mmpConfigs {
          ...MmpConfigFields
        }
        killSwitches {
          underlying
          countdownTimeInMilliseconds
        }
      }
    }
  `,
  [MmpConfigFields],
);

export const MmpEventsSubscription = graphql(
  `
    subscription MmpEvents {
      mmpEvents {
        id
        kind
        accountId
        underlying
        at
        actor
        config {
          ...MmpConfigFields
        }
      }
    }
  `,
  [MmpConfigFields],
);

export const SetMmpConfigMutation = graphql(
  `
    mutation SetMmpConfig($input: SetMmpConfigInput!) {
      setMmpConfig(input: $input) {
        ...MmpConfigFields
      }
    }
  `,
  [MmpConfigFields],
);

export const SetMmpConfigsMutation = graphql(
  `
    mutation SetMmpConfigs($inputs: [SetMmpConfigInput!]!) {
      setMmpConfigs(inputs: $inputs) {
        __typename
        ... on MmpConfig {
          ...MmpConfigFields
        }
        ... on MmpConfigError {
          accountId
          underlying
          code
          message
          field
          exchangeCode
          exchangeMessage
          outcome
          retryAfterSeconds
        }
      }
    }
  `,
  [MmpConfigFields],
);

export const ResetMmpMutation = graphql(
  `
    mutation ResetMmp($input: ResetMmpInput!) {
      resetMmp(input: $input) {
        ...MmpConfigFields
      }
    }
  `,
  [MmpConfigFields],
);

export const SetKillSwitchMutation = graphql(`
  mutation SetKillSwitch($input: SetKillSwitchInput!) {
    setKillSwitch(input: $input) {
      accountId
      underlying
      countdownTimeInMilliseconds
    }
  }
`);

export const AuditLogQuery = graphql(`
  query AuditLog($accountId: ID, $first: Int, $after: String) {
    auditLog(accountId: $accountId, first: $first, after: $after) {
      edges {
        cursor
        node {
          id
          at
          actor {
            name
          }
          accountId
          action
          input
          previous
          outcome
          exchangeCode
          exchangeMessage
          result
        }
      }
      pageInfo {
        endCursor
        hasNextPage
      }
    }
  }
`);

/** an account as the overview lists it (no exchange state) */
export type AccountSummary = ResultOf<typeof OverviewQuery>["accounts"][number];
/** what the exchange holds for one account, as its section reads it */
export type AccountState = NonNullable<ResultOf<typeof AccountStateQuery>["account"]>;
/** an account with its state: what the kill-switch panel shows */
export type Account = AccountSummary & Omit<AccountState, "id">;
export type MmpEvent = ResultOf<typeof MmpEventsSubscription>["mmpEvents"];
export type AuditEntry = ResultOf<typeof AuditLogQuery>["auditLog"]["edges"][number]["node"];
