-- Loose ends of issue 14 (profiles that stay true).
--
-- Audit anonymisation reaches nested values: the History page's
-- old and new values live in details.changes ({"changes": {"email":
-- {"old": …, "new": …}}}), so the personal-data retention
-- (audit.Anonymise) replaces addresses in every string of details, at any
-- depth, rather than in its top-level strings only. Working on the parsed
-- JSON, not its text, a replacement can never break an escape sequence.
--
-- The home page's "recently updated" partners are those whose people
-- reviewed their profile last (directory.Store.RecentlyUpdated), read from
-- organisations_published_reviewed_idx.
--
-- A logo's width decides its link preview: twitter:card is
-- summary_large_image for a logo at least 480 pixels wide (its 480-pixel
-- variant is then that wide), summary otherwise. NULL: none, or recorded
-- before widths were kept (shown as summary).

-- +goose Up
ALTER TABLE organisations ADD COLUMN logo_width integer CHECK (logo_width > 0);
CREATE INDEX organisations_published_reviewed_idx ON organisations (last_reviewed_at DESC, id) WHERE status = 'published';
-- +goose StatementBegin
CREATE FUNCTION jsonb_replace_strings(j jsonb, pattern text, replacement text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    CASE jsonb_typeof(j)
    WHEN 'string' THEN
        RETURN to_jsonb(regexp_replace(j #>> '{}', pattern, replacement, 'g'));
    WHEN 'object' THEN
        RETURN COALESCE((SELECT jsonb_object_agg(k, jsonb_replace_strings(v, pattern, replacement))
            FROM jsonb_each(j) AS e(k, v)), '{}'::jsonb);
    WHEN 'array' THEN
        RETURN COALESCE((SELECT jsonb_agg(jsonb_replace_strings(v, pattern, replacement) ORDER BY n)
            FROM jsonb_array_elements(j) WITH ORDINALITY AS e(v, n)), '[]'::jsonb);
    ELSE
        RETURN j;
    END CASE;
END
$$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE organisations DROP COLUMN logo_width;
DROP INDEX organisations_published_reviewed_idx;
DROP FUNCTION jsonb_replace_strings(jsonb, text, text);
