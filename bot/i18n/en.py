"""English messages."""

MESSAGES: dict[str, str] = {
    # --- pipeline stages -------------------------------------------------------------
    "stage.lead": "Lead",
    "stage.qualified": "Qualified",
    "stage.proposal": "Proposal",
    "stage.negotiation": "Negotiation",
    "stage.won": "Won",
    "stage.lost": "Lost",
    # --- parsing errors (bot/parsing) ------------------------------------------------
    "parse.unknown_subcommand": "I don't know `/deal {word}`.",
    "parse.unknown_field": "`{field}` is not a deal field. Fields: {fields}.",
    "parse.duplicate_field": "`{field}` is given twice.",
    "parse.empty_value": "`{field}:` needs a value.",
    "parse.unclosed_quote": "A quote is not closed: {text}",
    "parse.bad_amount": (
        "`{value}` is not an amount. Write e.g. `50k`, `1.2M`, `$50,000`, `500万円` or `1.2億`."
    ),
    "parse.bad_currency": "`{value}` is not a currency code. Use e.g. USD, JPY, EUR.",
    "parse.bad_probability": "`{value}` is not a probability. Use a number from 0 to 100, e.g. `prob:40`.",
    "parse.bad_date": (
        "`{value}` is not a date I understand. Write e.g. `2026-12-15`, `12/15`, "
        "`next friday`, `in 2 weeks`, `end of month`, `来週金曜` or `月末`."
    ),
    "parse.past_date": "`{value}` is {date}, which is in the past.",
    "parse.unknown_stage": "`{value}` is not a stage. Stages: {stages}.",
    "parse.bad_owner": "`{value}` is not a person. Mention them, e.g. `owner:@maria`.",
    "parse.missing_name": "A new deal needs a name.",
    "parse.missing_ref": "Which deal? Give its number (`#12`) or the start of its name.",
    "parse.bad_ref": "`{value}` is not a deal reference. Use `#12`, `12` or the start of a name.",
    "parse.missing_fields": "Nothing to update: give at least one `field:value`.",
    "parse.missing_text": "The note is empty.",
    "parse.missing_query": "What should I look for?",
    "parse.bad_list_filter": "`{value}` is not a list filter. Use mine, all, stale, stage:<stage> or owner:@someone.",
    "parse.unexpected_text": "I did not expect `{value}` here.",
}
