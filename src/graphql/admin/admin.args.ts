import { ArgsType, Field, ID } from "type-graphql";
import type { Role } from "../../domain";
import { RoleEnum } from "../account/account.enums";

// Argument classes rather than one @Arg per parameter: they keep the arguments in this order in the
// schema (parameter decorators would list them backwards).

@ArgsType()
export class TeamMemberArgs {
  @Field(() => String, { description: "The team's name." })
  team!: string;

  @Field(() => String, { description: "The user's name." })
  userName!: string;
}

@ArgsType()
export class RevokeRoleArgs {
  @Field(() => String, { description: "The team's name." })
  team!: string;

  @Field(() => ID, { description: "The account's id." })
  accountId!: string;
}

@ArgsType()
export class GrantRoleArgs extends RevokeRoleArgs {
  @Field(() => RoleEnum, { description: "The role its members get on the account." })
  role!: Role;
}
