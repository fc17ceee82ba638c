-- Kind-words help while writing (issue 20, item 2): see migrations/sqlite/0020_kind_words_help.sql.
ALTER TABLE users ADD COLUMN kind_words_help SMALLINT NOT NULL DEFAULT 1 CHECK (kind_words_help IN (0, 1));
