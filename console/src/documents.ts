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

export const OverviewQuery = graphql(
  `
    query Overview {
      serverTime
      accounts {
        id
        name
        venue
        environment
        role
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

export type Account = ResultOf<typeof OverviewQuery>["accounts"][number];
export type MmpEvent = ResultOf<typeof MmpEventsSubscription>["mmpEvents"];
export type AuditEntry = ResultOf<typeof AuditLogQuery>["auditLog"]["edges"][number]["node"];
