import { Field, ID, ObjectType } from "type-graphql";
import type { GrantView } from "../../admin/admin-api.types";
import type { Role } from "../../domain";
import { RoleEnum } from "../account/account.enums";

@ObjectType("Grant", { description: "A team's role on an exchange account." })
export class Grant implements GrantView {
  @Field(() => String, { description: "The team's name." })
  team!: string;

  @Field(() => ID, { description: "The account's id." })
  accountId!: string;

  @Field(() => RoleEnum, { description: "The role the team's members hold on the account." })
  role!: Role;
}
