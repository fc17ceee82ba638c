-- Kind-words help while writing (issue 20, item 2): on for everyone unless they turn it off on
-- their account page. The help itself runs in the browser (src/lib/kind-words.ts); only this
-- choice is stored. The same column serves PostgreSQL (migrations/postgres/0020_kind_words_help.sql).
ALTER TABLE users ADD COLUMN kind_words_help INTEGER NOT NULL DEFAULT 1 CHECK (kind_words_help IN (0, 1));
