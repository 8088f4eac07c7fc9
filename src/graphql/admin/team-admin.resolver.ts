import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import type { GrantView, TeamAdminView, UserView } from "../../admin/admin-api.types";
import { requirePrincipal } from "../auth-checker";
import { serviceOf, type GatewayContext } from "../context.type";
import { Team } from "../user/team.type";
import { User } from "../user/user.type";
import { Grant } from "./grant.type";

/** The team fields only admin users may read. */
@Resolver(() => Team)
export class TeamAdminResolver {
  @FieldResolver(() => [User], { description: "The team's members, by name. Admin users only." })
  members(@Root() team: TeamAdminView, @Ctx() ctx: GatewayContext): Promise<readonly UserView[]> {
    return serviceOf(ctx, "admin").teamMembers(requirePrincipal(ctx), team);
  }

  @FieldResolver(() => [Grant], {
    description: "The team's roles on accounts, by account. Admin users only.",
  })
  grants(@Root() team: TeamAdminView, @Ctx() ctx: GatewayContext): Promise<readonly GrantView[]> {
    return serviceOf(ctx, "admin").teamGrants(requirePrincipal(ctx), team);
  }
}
