import { Field, InputType } from "type-graphql";
import type { AddExchangeAccountRequest } from "../../admin/admin-api.types";
import type { KeyType, Venue } from "../../domain";
import { KeyTypeEnum, VenueEnum } from "../account/account.enums";

@InputType("AddExchangeAccountInput", {
  description:
    "An exchange account to hold keys for. The secret is sealed (AES-256-GCM) before it is stored and is " +
    "never returned or logged. Send it in variables, not in the query text.",
})
export class AddExchangeAccountInput implements AddExchangeAccountRequest {
  @Field(() => String, {
    description:
      "The account's name, its `accountId` from now on: 1-64 letters, digits, '.', '_' or '-', starting " +
      "with a letter or digit.",
  })
  name!: string;

  @Field(() => String, { description: "The exchange API key (1-256 printable characters, no spaces)." })
  apiKey!: string;

  @Field(() => KeyTypeEnum, {
    defaultValue: KeyTypeEnum.HMAC,
    description: "How the key signs requests. Deribit, OKX and Bybit keys: HMAC only.",
  })
  keyType!: KeyType;

  @Field(() => VenueEnum, {
    defaultValue: VenueEnum.BINANCE,
    description:
      "The venue the account trades on. Deribit: apiKey is the client id, secret the client secret.",
  })
  venue!: Venue;

  @Field(() => String, {
    nullable: true,
    description:
      "The exchange REST base URL for this account, http(s)://host[:port] (a testnet's, say); null: " +
      "the venue's default (BINANCE_EAPI_URL, DERIBIT_URL, OKX_URL or BYBIT_URL).",
  })
  baseUrl?: string | null;

  @Field(() => String, {
    description: "HMAC: the API secret. ED25519 / RSA: the PKCS#8 PEM private key. Write-only.",
  })
  secret!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "OKX only, and required there: the API key's passphrase. Write-only, sealed with the secret.",
  })
  passphrase?: string | null;
}
