-- Macros shared by the staging models.

-- Reads a number written by a person or a spreadsheet: a plain number first
-- (the fast path), else trims currency signs and spaces and accepts a decimal
-- comma (2,55) or thousands separators (1,234.50 / 1.234,50).
-- NULL when it is still not a number.
CREATE OR REPLACE MACRO strip_currency(txt) AS
  regexp_replace(trim(txt), '^[£$€¥]\s*|\s*([£$€¥]|EUR|GBP|USD)$', '', 'g');
CREATE OR REPLACE MACRO parse_formatted_number(v) AS CASE
  WHEN regexp_full_match(v, '[+-]?\d{1,3}(,\d{3})+(\.\d+)?') THEN try_cast(replace(v, ',', '') AS DOUBLE)
  WHEN regexp_full_match(v, '[+-]?\d{1,3}(\.\d{3})+,\d+') THEN try_cast(replace(replace(v, '.', ''), ',', '.') AS DOUBLE)
  WHEN regexp_full_match(v, '[+-]?\d*,\d+') THEN try_cast(replace(v, ',', '.') AS DOUBLE)
  ELSE try_cast(v AS DOUBLE)
END;
-- The stripped text goes through a one-element list so that it is written
-- once: parse_formatted_number names its argument several times, and DuckDB
-- would otherwise compute a repeated strip_currency(txt) (three regular
-- expressions) for every row ahead of the coalesce, instead of only for the
-- rows that are not plain numbers.
CREATE OR REPLACE MACRO parse_number(txt) AS
  coalesce(try_cast(txt AS DOUBLE), list_transform([strip_currency(txt)], lambda v: parse_formatted_number(v))[1]);

-- OWASP's rule against CSV injection: a text cell that starts with = + - @,
-- a tab or a carriage return and is not a number gets a leading apostrophe,
-- so spreadsheets show it as text instead of running it as a formula.
-- The first character's code point (61 =, 43 +, 45 -, 64 @, 9 tab, 13 CR;
-- ascii('') is 0) is tested instead of a regex: it runs on every text cell.
-- list_contains, not IN: DuckDB turns a six-value IN into a join, and a COPY
-- through a join no longer keeps the table's row order.
CREATE OR REPLACE MACRO csv_safe(txt) AS
  CASE WHEN list_contains([61, 43, 45, 64, 9, 13], ascii(txt)) AND try_cast(txt AS DOUBLE) IS NULL THEN '''' || txt ELSE txt END;
