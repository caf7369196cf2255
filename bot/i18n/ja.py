"""Japanese messages (日本語)."""

MESSAGES: dict[str, str] = {
    # --- パイプラインのステージ ---------------------------------------------------------
    "stage.lead": "リード",
    "stage.qualified": "見込み評価",
    "stage.proposal": "提案・見積",
    "stage.negotiation": "交渉",
    "stage.won": "受注",
    "stage.lost": "失注",
    # --- 構文エラー (bot/parsing) -------------------------------------------------------
    "parse.unknown_subcommand": "`/deal {word}` というコマンドはありません。",
    "parse.unknown_field": "`{field}` は案件の項目ではありません。項目: {fields}",
    "parse.duplicate_field": "`{field}` が2回指定されています。",
    "parse.empty_value": "`{field}:` に値がありません。",
    "parse.unclosed_quote": "引用符が閉じられていません: {text}",
    "parse.bad_amount": (
        "`{value}` は金額として読めません。例: `50k`、`1.2M`、`$50,000`、`500万円`、`1.2億`"
    ),
    "parse.bad_currency": "`{value}` は通貨コードではありません。例: JPY、USD、EUR",
    "parse.bad_probability": "`{value}` は確度として読めません。0〜100の数字で指定してください(例: `prob:40`)。",
    "parse.bad_date": (
        "`{value}` は日付として読めません。例: `2026-12-15`、`12/15`、`来週金曜`、`月末`、"
        "`next friday`、`in 2 weeks`"
    ),
    "parse.past_date": "`{value}` は {date} で、過去の日付です。",
    "parse.unknown_stage": "`{value}` はステージではありません。ステージ: {stages}",
    "parse.bad_owner": "`{value}` はユーザーとして読めません。`owner:@tanaka` のようにメンションしてください。",
    "parse.missing_name": "新しい案件には名前が必要です。",
    "parse.missing_ref": "どの案件ですか? 番号(`#12`)か名前の先頭を指定してください。",
    "parse.bad_ref": "`{value}` は案件の指定として読めません。`#12`、`12`、または名前の先頭を使ってください。",
    "parse.missing_fields": "更新する内容がありません。`項目:値` を1つ以上指定してください。",
    "parse.missing_text": "メモが空です。",
    "parse.missing_query": "何を検索しますか?",
    "parse.bad_list_filter": "`{value}` は一覧の条件ではありません。mine、all、stale、stage:<ステージ>、owner:@ユーザー が使えます。",
    "parse.unexpected_text": "`{value}` はここには書けません。",
}
