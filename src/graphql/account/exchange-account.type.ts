import { Field, ID, ObjectType } from "type-graphql";
import type { KeyType, Venue } from "../../domain";
import type { ExchangeAccountView, ExchangeEnvironment } from "../../access/access.types";
import { ExchangeEnvironmentEnum, KeyTypeEnum, VenueEnum } from "./account.enums";

@ObjectType("ExchangeAccount", {
  description:
    "An exchange account the gateway holds keys for. Nothing about its key is exposed beyond the last four " +
    "characters of the API key.",
})
export class ExchangeAccount implements ExchangeAccountView {
  @Field(() => ID, { description: "The account's id: its name, as given to `mmp-gateway account add`." })
  id!: string;

  @Field(() => String, { description: "The account's name (the same as its id)." })
  name!: string;

  @Field(() => VenueEnum, { description: "The options venue the account trades on." })
  venue!: Venue;

  @Field(() => ExchangeEnvironmentEnum, {
    description: "Which of the venue's hosts the account talks to (production, testnet or another).",
  })
  environment!: ExchangeEnvironment;

  @Field(() => KeyTypeEnum, { description: "How the gateway signs the account's requests." })
  keyType!: KeyType;

  @Field(() => String, { description: 'The last four characters of the API key, e.g. "…a1b2".' })
  apiKeyHint!: string;
}
