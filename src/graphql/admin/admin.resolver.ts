import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from "type-graphql";
import type { GrantView, IssuedTokenView, TeamAdminView, UserView } from "../../admin/admin-api.types";
import type { ExchangeAccountView } from "../../access/access.types";
import { ExchangeAccount } from "../account/exchange-account.type";
import { requirePrincipal } from "../auth-checker";
import { serviceOf, type GatewayContext } from "../context.type";
import { Team } from "../user/team.type";
import { User } from "../user/user.type";
import { AddExchangeAccountInput } from "./add-exchange-account.input";
import { GrantRoleArgs, RevokeRoleArgs, TeamMemberArgs } from "./admin.args";
import { CreateUserInput } from "./create-user.input";
import { Grant } from "./grant.type";
import { CreateUserPayload, IssuedToken } from "./issued-token.type";
import { RotateAccountKeyInput } from "./rotate-account-key.input";

const ADMIN_USERS = "Admin users only (FORBIDDEN otherwise).";
const ACCOUNT_ADMINS =
  "Admin users, or users whose teams hold role ADMIN on the account (FORBIDDEN otherwise, also when the " +
  "account does not exist).";
const AUDITED = "Audited with the caller as actor.";

/** The admin API: every rule (who may, validation, auditing) is in AdminApiService. */
@Resolver()
export class AdminResolver {
  @Authorized()
  @Query(() => [User], { description: `Every user, by name. ${ADMIN_USERS}` })
  users(@Ctx() ctx: GatewayContext): Promise<UserView[]> {
    return serviceOf(ctx, "admin").users(requirePrincipal(ctx));
  }

  @Authorized()
  @Query(() => [Team], { description: `Every team, by name, with members and grants. ${ADMIN_USERS}` })
  teams(@Ctx() ctx: GatewayContext): Promise<TeamAdminView[]> {
    return serviceOf(ctx, "admin").teams(requirePrincipal(ctx));
  }

  @Authorized()
  @Mutation(() => CreateUserPayload, {
    description: `Creates a user and their first API token (shown once). ${ADMIN_USERS} ${AUDITED}`,
  })
  createUser(
    @Arg("input", () => CreateUserInput) input: CreateUserInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<{ user: UserView; token: IssuedTokenView }> {
    return serviceOf(ctx, "admin").createUser(requirePrincipal(ctx), {
      name: input.name,
      admin: input.admin,
    });
  }

  @Authorized()
  @Mutation(() => User, {
    description:
      "Disables a user: their API tokens and JWTs are refused within a second, on every replica. Their " +
      "tokens, teams and history stay (enableUser restores them). You cannot disable yourself. Repeating " +
      `it changes nothing. ${ADMIN_USERS} ${AUDITED}`,
  })
  disableUser(
    @Arg("userName", () => String) userName: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<UserView> {
    return serviceOf(ctx, "admin").setUserDisabled(requirePrincipal(ctx), userName, true);
  }

  @Authorized()
  @Mutation(() => User, {
    description: `Enables a disabled user again. Repeating it changes nothing. ${ADMIN_USERS} ${AUDITED}`,
  })
  enableUser(@Arg("userName", () => String) userName: string, @Ctx() ctx: GatewayContext): Promise<UserView> {
    return serviceOf(ctx, "admin").setUserDisabled(requirePrincipal(ctx), userName, false);
  }

  @Authorized()
  @Mutation(() => IssuedToken, {
    description: `Issues another API token for a user (shown once). ${ADMIN_USERS} ${AUDITED}`,
  })
  createToken(
    @Arg("userName", () => String) userName: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<IssuedTokenView> {
    return serviceOf(ctx, "admin").createToken(requirePrincipal(ctx), userName);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description:
      "Revokes an API token: it is refused within a second, on every replica. An unknown or already " +
      `revoked id is BAD_USER_INPUT. ${ADMIN_USERS} ${AUDITED}`,
  })
  revokeToken(@Arg("tokenId", () => ID) tokenId: string, @Ctx() ctx: GatewayContext): Promise<true> {
    return serviceOf(ctx, "admin").revokeToken(requirePrincipal(ctx), tokenId);
  }

  @Authorized()
  @Mutation(() => Team, { description: `Creates a team. ${ADMIN_USERS} ${AUDITED}` })
  createTeam(@Arg("name", () => String) name: string, @Ctx() ctx: GatewayContext): Promise<TeamAdminView> {
    return serviceOf(ctx, "admin").createTeam(requirePrincipal(ctx), name);
  }

  @Authorized()
  @Mutation(() => Team, {
    description: `Adds a user to a team; they hold the team's roles within a second. ${ADMIN_USERS} ${AUDITED}`,
  })
  addTeamMember(
    @Args(() => TeamMemberArgs) args: TeamMemberArgs,
    @Ctx() ctx: GatewayContext,
  ): Promise<TeamAdminView> {
    return serviceOf(ctx, "admin").addTeamMember(requirePrincipal(ctx), args.team, args.userName);
  }

  @Authorized()
  @Mutation(() => Team, {
    description: `Removes a user from a team; they lose its roles within a second. ${ADMIN_USERS} ${AUDITED}`,
  })
  removeTeamMember(
    @Args(() => TeamMemberArgs) args: TeamMemberArgs,
    @Ctx() ctx: GatewayContext,
  ): Promise<TeamAdminView> {
    return serviceOf(ctx, "admin").removeTeamMember(requirePrincipal(ctx), args.team, args.userName);
  }

  @Authorized()
  @Mutation(() => Grant, {
    description:
      "Gives a team a role on an account, replacing the role it had there. An account's admins may grant " +
      `any role on it, ADMIN included, to any team. ${ACCOUNT_ADMINS} ${AUDITED}`,
  })
  grantRole(@Args(() => GrantRoleArgs) args: GrantRoleArgs, @Ctx() ctx: GatewayContext): Promise<GrantView> {
    return serviceOf(ctx, "admin").grantRole(requirePrincipal(ctx), args.team, args.accountId, args.role);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description: `Removes a team's role on an account. ${ACCOUNT_ADMINS} ${AUDITED}`,
  })
  revokeRole(@Args(() => RevokeRoleArgs) args: RevokeRoleArgs, @Ctx() ctx: GatewayContext): Promise<true> {
    return serviceOf(ctx, "admin").revokeRole(requirePrincipal(ctx), args.team, args.accountId);
  }

  @Authorized()
  @Mutation(() => ExchangeAccount, {
    description:
      "Adds an exchange account. The secret is sealed before it is stored, and never returned or logged. " +
      `No team holds a role on it until grantRole. ${ADMIN_USERS} ${AUDITED}`,
  })
  addExchangeAccount(
    @Arg("input", () => AddExchangeAccountInput) input: AddExchangeAccountInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<ExchangeAccountView> {
    return serviceOf(ctx, "admin").addExchangeAccount(requirePrincipal(ctx), {
      name: input.name,
      apiKey: input.apiKey,
      keyType: input.keyType,
      venue: input.venue,
      baseUrl: input.baseUrl ?? null,
      secret: input.secret,
      passphrase: input.passphrase ?? null,
    });
  }

  @Authorized()
  @Mutation(() => ExchangeAccount, {
    description:
      "Replaces an account's API key and secret (same key type); calls sign with the new key within a " +
      `second. ${ACCOUNT_ADMINS} ${AUDITED}`,
  })
  rotateAccountKey(
    @Arg("input", () => RotateAccountKeyInput) input: RotateAccountKeyInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<ExchangeAccountView> {
    return serviceOf(ctx, "admin").rotateAccountKey(requirePrincipal(ctx), {
      accountId: input.accountId,
      apiKey: input.apiKey,
      secret: input.secret,
      passphrase: input.passphrase ?? null,
    });
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description:
      "Removes an exchange account, its key and its grants. Its audit history stays. " +
      `${ADMIN_USERS} ${AUDITED}`,
  })
  removeExchangeAccount(
    @Arg("accountId", () => ID) accountId: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<true> {
    return serviceOf(ctx, "admin").removeExchangeAccount(requirePrincipal(ctx), accountId);
  }
}
