-- Issue 13, the HSDS round trip: an organisation published by a bulk
-- import without a default contact of its own.
--
-- A public HSDS record carries only public contact points, and the
-- default contact is often private: importing another directory's export
-- with --publish would otherwise leave every such organisation pending.
-- The importer may publish it anyway, saying so in offers_to_triage: its
-- support offers then go to the platform's triage mailbox (offers.route
-- falls back to it when there is no default contact). Only the importer
-- sets it (directory.Import.TriageWithoutContact); an admin's approval or
-- reinstatement still needs a default contact, and choosing one clears
-- the flag.

-- +goose Up
ALTER TABLE organisations ADD COLUMN offers_to_triage boolean NOT NULL DEFAULT false;
ALTER TABLE organisations DROP CONSTRAINT organisations_published_has_default_contact;
ALTER TABLE organisations ADD CONSTRAINT organisations_published_has_default_contact
    CHECK (status <> 'published' OR default_contact_id IS NOT NULL OR offers_to_triage);

-- +goose Down
UPDATE organisations SET status = 'pending' WHERE status = 'published' AND default_contact_id IS NULL;
ALTER TABLE organisations DROP CONSTRAINT organisations_published_has_default_contact;
ALTER TABLE organisations ADD CONSTRAINT organisations_published_has_default_contact
    CHECK (status <> 'published' OR default_contact_id IS NOT NULL);
ALTER TABLE organisations DROP COLUMN offers_to_triage;
