import { Field, ObjectType } from "type-graphql";
import type { Role } from "../../domain";
import type { AccountAccessView } from "../../access/access.types";
import { RoleEnum } from "./account.enums";
import { ExchangeAccount } from "./exchange-account.type";

@ObjectType("AccountAccess", { description: "An exchange account and the caller's role on it." })
export class AccountAccess implements AccountAccessView {
  @Field(() => ExchangeAccount, { description: "The account." })
  account!: ExchangeAccount;

  @Field(() => RoleEnum, { description: "The caller's highest role on it among their teams." })
  role!: Role;
}
