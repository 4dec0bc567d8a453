-- Audit anonymisation reaches nested values (issue 14): the History page's
-- old and new values live in details.changes ({"changes": {"email":
-- {"old": …, "new": …}}}), so the personal-data retention
-- (audit.Anonymise) replaces addresses in every string of details, at any
-- depth, rather than in its top-level strings only. Working on the parsed
-- JSON, not its text, a replacement can never break an escape sequence.

-- +goose Up
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
DROP FUNCTION jsonb_replace_strings(jsonb, text, text);
