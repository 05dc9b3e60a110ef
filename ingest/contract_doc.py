"""Render docs/data-interface.md from the contract, so the document and the code never disagree.

Run ``python -m ingest.contract_doc`` to rewrite the file; a test fails when they drift apart.
"""

from __future__ import annotations

from pathlib import Path

from ingest.contract import CODE_LISTS, KINDS, LOAD_ORDER, Column
from ingest.mapping import __doc__ as MAPPING_DOC
from ingest.values import MAX_LENGTH

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "data-interface.md"

_TYPE_TEXT = {
    "string": "text, stored exactly as received (outer whitespace trimmed)",
    "id": "identifier: non-empty text without line breaks",
    "uscc": "统一社会信用代码: 18 characters, mod-31 check digit verified (python-stdnum `cn.uscc`)",
    "resident_id": "居民身份证: 18 characters with mod-11 check digit (X allowed, python-stdnum `cn.ric`), "
    "or masked such as `3301**********1234` (stored as `id_masked`, never used to merge persons)",
    "date": "`YYYY-MM-DD`; also accepted: `YYYY/MM/DD`, `YYYY.MM.DD`, `YYYYMMDD`, Excel date cells, "
    "ISO date-times (date part kept); anything else after the date (`2023-01-05 garbage`) is rejected; "
    "a mapping file may add formats such as `%d.%m.%Y`",
    "decimal": "non-negative number, CNY; read only when unambiguous (see *Numbers* below): `1234.50`, "
    "`1,234.50`; `1234,50` and `1.234,50` only with `--decimal-comma`",
    "percent": "number 0–100, optional trailing `%` (`35`, `35.5`, `35.5%`); separators as for decimal",
    "enum": "one code of the column's code list, or its Chinese name",
    "phone": "7–15 digits after removing spaces, dashes, brackets and a `+86`/`0086` prefix",
    "bool": "`true/false`, `1/0`, `yes/no`, `y/n`, `是/否`",
}


def _col_row(c: Column) -> str:
    extra = []
    if c.codes:
        extra.append(f"codes: `{c.codes}`")
    if c.ref:
        target = f"companies or persons (by the `{c.kind_column}` column)" if c.ref == "party" else c.ref
        extra.append(f"→ {target}")
    if c.strong_id:
        extra.append(f"strong id in `{c.strong_id}`")
    desc = c.description + (f" ({'; '.join(extra)})" if extra else "")
    example = f"`{c.example}`" if c.example else ""
    return f"| `{c.name}` | {c.zh} | {c.type} | {'yes' if c.required else ''} | {desc} | {example} |"


def _length_table() -> list[str]:
    return [
        "| type | longest value (characters) |",
        "|---|---:|",
        *(f"| {t} | {n:,} |" for t, n in MAX_LENGTH.items()),
    ]


def _mapping_doc() -> list[str]:
    """The mapping-file format, from ``ingest.mapping``'s docstring (its example is the reference)."""
    text = (MAPPING_DOC or "").split("Format (every key optional)::", 1)[1]
    example = [line[4:] if line.startswith("    ") else line for line in text.strip("\n").splitlines()]
    return ["```yaml", *example, "```"]


def render() -> str:
    out: list[str] = [
        "# Data interface — the files riskgraph ingests",
        "",
        "<!-- Generated from ingest/contract.py by `python -m ingest.contract_doc`; do not edit by hand. -->",
        "",
        "riskgraph loads one file per *kind*. A file is named by its kind and a format extension: "
        "`companies.csv`, `companies.xlsx` or `companies.jsonl`. `riskgraph ingest PATH... --source NAME` "
        "takes files or folders; in a folder every file whose stem is a kind is read, others are ignored.",
        "",
        "## Formats and encodings",
        "",
        '- **CSV**: comma-separated, first line is the header, RFC 4180 quoting (`"` doubled inside quotes). '
        "A row with more or fewer fields than the header is rejected (`column_count`); blank lines are "
        "skipped.",
        "- **Encodings** (CSV and JSON Lines) are decided, not guessed: UTF-8 with BOM (as Excel writes it), "
        "UTF-8, GB18030 (which includes GBK and GB2312) and Big5. GB18030 decodes almost any bytes, so a "
        "Big5 file would load as mojibake: both decodings are judged by the share of their non-ASCII "
        "characters that real text holds (GB2312 level-1 hanzi or common traditional hanzi for GB18030, "
        "Big5 level-1 hanzi for Big5, CJK punctuation for both). The decoding with at least 85 % plausible "
        "characters and a lead of 15 points wins; charset-normalizer's guess breaks a near tie. Otherwise the "
        "file is refused with a bilingual error naming the shares; `--encoding big5` (or any encoding "
        "Python knows) forces one.",
        "- **XLSX**: the first worksheet, first row is the header (openpyxl), read as Excel shows it. Date "
        "and number cells are accepted for date and number columns. A formula cell gives its saved result; "
        "a formula saved without one (a workbook written by a program, never recalculated) rejects its row "
        "(`formula_without_value`, naming the cell and the formula). A merged range gives its value to "
        "every cell of the range (as Excel displays it), with a `merged_cell` warning on each filled row.",
        "- **JSON Lines** (`.jsonl`): one JSON object per line, keys are the column names; lines end at "
        "`\\n` only (`\\r\\n` too): U+2028, U+2029, U+0085 and other Unicode line separators are text "
        "inside a value. Encodings as for CSV.",
        "- **Headers**: column names are matched after trimming and lower-casing; the Chinese name of "
        "each column (the 中文 column below, with or without the unit in brackets: `注册资本（元）` or "
        "`注册资本`) is accepted as well as a mapping file's renames (below). The order of columns is "
        "free; unknown extra columns are ignored (and reported); two headers naming one column refuse the "
        "file. Empty cells are missing values.",
        "- **NUL bytes** (`\\0`) are refused wherever they are: a file full of them (or of other control "
        "bytes) is binary and refused; a stray one rejects its row (`nul_byte`).",
        "- A file that is not what it claims — missing required columns, binary content, empty, undecodable — "
        "is refused with one bilingual error and loads nothing; other files still load.",
        "",
        "## Identity and references",
        "",
        "- Every file has `record_id`, the row's own id in its source system. `--source NAME` + kind + "
        "`record_id` identifies a source record for ever: sending the same record again with other values "
        "updates it (earlier values are kept as history), sending it unchanged changes nothing.",
        "- Relationship files name their parties by the parties' `record_id` in the same source "
        "(`holder_ref`, `company_ref`, `person_ref`, `guarantor_ref`, `borrower_ref`, `party_ref`, "
        "`relative_ref`). Where a party may be a company or a person, a `*_kind` column (`company`/`企业`, "
        "`person`/`自然人`) says which file the reference points to. A party may also carry its strong "
        "identifier (`*_uscc`, `*_id_number`, `*_strong_id`).",
        "- A reference is satisfied when the record id is in this ingest or already in the graph (an earlier "
        "batch of the same source), or else when the strong identifier is found there. Otherwise the row is "
        "rejected (`dangling_reference`).",
        "- Loans are referenced by their business key `loan_id`.",
        "- Companies are keyed by USCC (`C:<USCC>`), persons by full resident ID (`P:<ID>`). A company without "
        "USCC or a person with only a masked ID gets a provisional key `C:<source>:<record_id>` / "
        "`P:<source>:<record_id>` until entity resolution links it.",
        "",
        f"Load order: {', '.join(LOAD_ORDER)}.",
        "",
        "## Column types",
        "",
        "| type | accepted values |",
        "|---|---|",
        *(f"| {t} | {text} |" for t, text in _TYPE_TEXT.items()),
        "",
        "### Length limits",
        "",
        "Every value is bounded before it reaches the database, so that no value can fail an index "
        "write; a longer value rejects its row (`too_long`, with the length and the limit). The limits are "
        "far below what an index accepts (about 8 KB) and far above any real value of the type:",
        "",
        *_length_table(),
        "",
        "### Numbers",
        "",
        "Which mark is the decimal one is a property of the source, never guessed per value: a point by "
        "default, a comma with `--decimal-comma` (or `decimal: comma` in the mapping file). With the point, "
        "`1234.50`, `1,234.50` and `12,345,678` are read; `1,00` (a comma not followed by groups of three "
        "digits), `1234,50` and `1.000,00` are rejected (`number_format`) rather than read as 100 or 1.0. "
        "With the comma it is the mirror image: `1234,50`, `1.234,50`, `1.000,00` are read, `1,234.50` is "
        "rejected. Spaces inside numbers are rejected. Spreadsheet number cells are taken as they are.",
        "",
        "### Dates",
        "",
        "A date followed by anything but a time of day is rejected (`date_format`). A `birth_date` or an "
        "`established` date in the future, and a resident ID encoding a birth in the future, are rejected "
        "(`future_date`). A `birth_date` that contradicts the birth date in the person's full resident ID is "
        "a data-quality finding: the row is loaded, and a `birth_date_mismatch` warning names both dates.",
        "",
        "## Code lists",
        "",
        "Either the code or the Chinese name is accepted; codes are also accepted in any letter case.",
        "",
    ]
    for name, table in CODE_LISTS.items():
        out.append(f"- **{name}**: " + ", ".join(f"`{code}` ({zh})" for code, zh in table.items()))
    out += ["", "## File kinds", ""]
    for fk in KINDS:
        out += [
            f"### `{fk.stem}` — {fk.zh}",
            "",
            fk.description,
            "",
            "| column | 中文 | type | required | meaning | example |",
            "|---|---|---|---|---|---|",
            *(_col_row(c) for c in fk.columns),
            "",
        ]
    out += [
        "## Validation rules and the rejects file",
        "",
        "Each row is checked; a row with any error is rejected as a whole and none of it is loaded. "
        "Rejected rows are written to the rejects file (CSV, UTF-8 with BOM so that Excel opens it) with "
        "columns `severity, file, row, record_id, field, value, rule, message_zh, message_en`. `row` is the "
        "1-based data row (header excluded). Always: rows read = rows accepted + rows rejected.",
        "",
        "| rule | meaning |",
        "|---|---|",
        "| `required` | a required value is empty |",
        "| `uscc_check_digit` | USCC has a wrong length, characters or check digit |",
        "| `resident_id_check_digit` | resident ID has a wrong length, birth date or check digit (masked IDs pass) |",
        "| `date_format` | not a date in an accepted format, or a date followed by other text |",
        "| `future_date` | a birth or establishment date (or a resident ID's birth date) in the future |",
        "| `number_format` | not a number, or separators that are ambiguous under the source's decimal mark |",
        "| `too_long` | a value longer than its type's limit (see *Length limits*) |",
        "| `nul_byte` | a value containing a NUL byte |",
        "| `column_count` | a CSV row with more or fewer fields than the header |",
        "| `json_format` | a JSON Lines line that is not a JSON object |",
        "| `formula_without_value` | an XLSX formula cell saved without its result |",
        "| `negative_amount` | an amount below zero |",
        "| `percent_range` | a percentage outside 0–100 |",
        "| `unknown_code` | a value not in the column's code list |",
        "| `phone_format` | not 7–15 digits |",
        "| `bool_format` | not a yes/no value |",
        "| `text_format` | an identifier containing a line break |",
        "| `duplicate_record_id` | the same record_id appears twice in one ingest of a kind (the later row is rejected) |",
        "| `dangling_reference` | a party or loan reference found neither in this ingest nor in the graph |",
        "| `invalid_reference` | a reference to a row that was itself rejected |",
        "| `write_failed` | the database refused the row although it passed every check; the chunk it was "
        "in is bisected until this one row is found, and every other row is written |",
        "",
        "Warnings do not reject a row; they are written to the same file with `severity = warning`:",
        "",
        "| rule | meaning |",
        "|---|---|",
        "| `shareholding_over_100` | the current holdings of one company in this ingest sum to more than 100% "
        "(+0.01 tolerance): every holding of that company is loaded and each is listed as a warning, because "
        "no single row can be blamed (the register may mix dates) |",
        "| `unknown_column` | the file has columns the contract does not know (ignored) |",
        "| `birth_date_mismatch` | `birth_date` contradicts the birth date in the full resident ID (the row is "
        "loaded as received) |",
        "| `merged_cell` | an XLSX cell took the value of the merged range it belongs to |",
        "",
        "Holdings over 100 % that only appear across ingests — two batches, or two sources that are each "
        "consistent — are found by the rule `data_quality.ownership_over_100` (docs/rules.md), which lists "
        "the company, the total and the source rows behind every holding.",
        "",
        "Text is data: names containing quotes, braces, Cypher or HTML are stored exactly as received; "
        "values only ever reach Neo4j as query parameters.",
        "",
        "The command exits with 0 when everything loaded, 1 when rows were rejected or files refused (all "
        "other rows are loaded), 2 when the load failed (rerun the same command to resume) or the mapping "
        "file is invalid (nothing is read). The counts in the summary, the rejects file and the exit code "
        "always agree.",
        "",
        "## A bank's own files: the mapping file",
        "",
        "`riskgraph ingest PATH --source NAME --mapping bank.yaml` reads files as one source writes them: "
        "its own column names, its own code values, its date formats and decimal mark, default party kinds. "
        "The mapping is validated completely before any row is read; every problem is listed (an unknown "
        "kind or key, a rename to a column the kind does not have, a code that is not in the code list, a "
        "date format that cannot be parsed back) and nothing is read. `--encoding` and `--decimal-comma` on "
        "the command line override the file's `encoding` and `decimal`.",
        "",
        *_mapping_doc(),
        "",
        "- `columns`: source header → contract column (matched like headers: trimmed, any letter case). "
        "The contract's own and Chinese names keep working.",
        "- `values`: for code-list columns, source value → code; a value not in the map is read as usual "
        "(code or Chinese name).",
        "- `defaults`: the raw value used where the column is missing or the cell is empty (typically "
        "`*_kind` columns of a source that only knows companies); a required column with a default may be "
        "absent from the file.",
        "- `date_formats`: `strftime` patterns tried before the standard forms; the whole value must match.",
        "",
        "The same file ingested with its mapping and the canonical file give the same graph (the "
        "SourceRecords keep each row's text as received).",
        "",
        "## Dry run",
        "",
        "`riskgraph ingest PATH --source NAME --dry-run` reads, validates, resolves and checks references "
        "against the graph exactly as a real run, counts what would be created, updated and unchanged, "
        "writes the rejects file and exits with the code a real run would — and writes nothing to the "
        "graph (no Batch, no constraints, no data). A real run afterwards reports the same rejects (unless "
        "the graph changed in between). With `--bulk` the dry run is that of the driver path.",
        "",
        "## What loading does",
        "",
        "- **Provenance.** Every accepted row becomes a `SourceRecord` (key `source|kind|record_id`, the row "
        "as received in `payload`, its `content_hash`) linked `IN_BATCH` to the run's `Batch`. Golden nodes "
        "(Company, Person, Loan, BlacklistEntry) link `DERIVED_FROM` each record they were built from, with the "
        "resolver's evidence. Every node and relationship written from data carries `source`, `batch_id`, "
        "`source_file`, `source_row` of its latest supporting record and `record_keys` of all of them.",
        "- **Idempotence.** A record whose content hash is already in the graph is skipped (`unchanged`); "
        "ingesting the same files again writes nothing but a new completed `Batch`.",
        "- **History.** When a later record changes an attribute, the earlier value is kept as a "
        "`FactVersion` (`attribute`, `value` as JSON, `valid_from`, `valid_to` = the new record's "
        "`valid_from` or the batch date, `batch_id` of the earlier value, `superseded_by_batch`) linked "
        "`HAS_VERSION` from the entity; a relationship attribute (`HOLDS_SHARES.pct` …) hangs off the "
        "relationship's start node with `subject` naming the relationship. Company names also accumulate in "
        "`name_variants`. A value left empty by a later record does not erase the known one.",
        "- **Resume.** Each chunk of rows (default 10,000) is one transaction holding the facts and their "
        "SourceRecords together. A run killed at any point (process or database) leaves its `Batch` "
        "`running`; the same command again resumes that batch, skips the committed records and ends in the "
        "same graph as an uninterrupted run.",
        "- **Writing.** Each chunk's facts are built on a second thread while the previous chunk is "
        "written. A relationship is looked up in the graph before it is written (to merge it, with "
        "history, if it exists) unless the run itself created both its ends: such a relationship can "
        "only exist if this run made it, which the run remembers (up to 3 million node keys and "
        "relationship identities, about 100 bytes each; past that the run forgets them and looks every "
        "relationship up). On a first load this skips nearly every look-up. Like the look-ups, it "
        "assumes no other writer links the same nodes while the run lasts: two ingests of overlapping "
        "parties at the same time are not supported.",
        "- **Resolution.** Parties are keyed by the `Resolver` step: `riskgraph ingest` uses entity "
        "resolution by default (`--resolver er`, docs/entity-resolution.md); `--resolver strong-key` keys "
        "by USCC / full resident ID only, else provisionally per record.",
        "- **Bulk first load.** `riskgraph ingest --bulk PATH... --source NAME...` runs the same reading, "
        "validation and merging, writes CSV files for `neo4j-admin database import full`, stops "
        "the local server, imports, restarts it and creates the constraints. It refuses a database that "
        "holds data (it would replace it); later batches use the normal path. **It resolves parties by "
        "strong keys only**, not by entity resolution: the first later batch through the normal path "
        "then re-resolves the whole population with entity resolution, trains the model and moves every "
        "record whose entity that changes (each move kept as a FactVersion) — at scale m tens of "
        "thousands of records, for many minutes. Until the bulk path resolves as the normal path does, "
        "load a bank's data with entity resolution through the normal path, or run the first later batch "
        "with `--full` knowingly.",
        "",
        "Known limits: a changed relationship record that now names other parties leaves the relationship "
        "it supported before in place (its `record_keys` still name the record); two sources disagreeing on "
        "an attribute alternate it, each change kept as a FactVersion.",
        "",
    ]
    return "\n".join(out)


def main() -> None:
    DOC_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC_PATH}")


if __name__ == "__main__":
    main()
