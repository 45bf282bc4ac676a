-- A small Mastodon instance to try `trainright import mastodon` on, without a
-- server: load tests/adapters/mastodon_schema.sql first (Mastodon's own tables),
-- then this file. Every row is one fact the import has to get right; the comments
-- say what the build makes of it (docs/adapters/mastodon.md, "Try it").

INSERT INTO accounts (id, username, domain, created_at, updated_at, actor_type,
                      suspended_at, memorial, indexable) VALUES
  (1, 'astrid', NULL, '2025-01-01', '2025-01-01', 'Person', NULL, false, true),
  (2, 'bjorn', NULL, '2025-01-01', '2025-01-01', 'Person', NULL, false, false),
  (3, 'cato', NULL, '2025-01-01', '2025-01-01', 'Person', '2026-05-01', false, false),  -- suspended
  (4, 'dag', NULL, '2025-01-01', '2025-01-01', 'Person', NULL, true, false),           -- memorial
  (5, 'eira', NULL, '2025-01-01', '2025-01-01', 'Person', NULL, false, false),         -- asked to leave
  (6, 'fjordnews', NULL, '2025-01-01', '2025-01-01', 'Service', NULL, false, true),    -- a bot
  (7, 'gro', NULL, '2025-01-01', '2025-01-01', 'Person', NULL, false, false),          -- age never checked
  (100, 'remy', 'example.org', '2025-01-01', '2025-01-01', 'Person', NULL, false, true); -- another server's user

-- Local users; age_verified_at is the instant the server's minimum sign-up age was
-- confirmed (--attested-min-age states that age).
INSERT INTO users (email, created_at, updated_at, account_id, confirmed_at, approved,
                   age_verified_at) VALUES
  ('astrid@example.net', '2025-01-01', '2025-01-01', 1, '2025-01-01', true, '2025-01-01'),
  ('bjorn@example.net', '2025-01-01', '2025-01-01', 2, '2025-01-01', true, '2025-01-01'),
  ('cato@example.net', '2025-01-01', '2025-01-01', 3, '2025-01-01', true, '2025-01-01'),
  ('dag@example.net', '2025-01-01', '2025-01-01', 4, '2025-01-01', true, '2025-01-01'),
  ('eira@example.net', '2025-01-01', '2025-01-01', 5, '2025-01-01', true, '2025-01-01'),
  ('news@example.net', '2025-01-01', '2025-01-01', 6, '2025-01-01', true, '2025-01-01'),
  ('gro@example.net', '2025-01-01', '2025-01-01', 7, '2025-01-01', true, NULL);

INSERT INTO account_deletion_requests (account_id, created_at, updated_at) VALUES
  (5, '2026-05-20', '2026-05-20');

INSERT INTO statuses (id, text, created_at, updated_at, visibility, language, local,
                      account_id, deleted_at, edited_at, reblog_of_id) VALUES
  (11, 'Morning light over the fjord', '2026-05-01', '2026-05-01', 0, 'en', true, 1, NULL, NULL, NULL),
  (12, 'Only for my followers', '2026-05-01', '2026-05-01', 2, 'en', true, 1, NULL, NULL, NULL),  -- private
  (13, 'A direct message', '2026-05-01', '2026-05-01', 3, 'en', true, 1, NULL, NULL, NULL),       -- direct
  (14, 'Quiet, unlisted thought', '2026-05-01', '2026-05-01', 1, 'en', true, 1, NULL, NULL, NULL),
  (15, 'Posted and regretted', '2026-05-01', '2026-05-01', 0, 'en', true, 1, '2026-05-02', NULL, NULL),
  (16, 'Changed after the cutoff', '2026-05-01', '2026-05-01', 0, 'en', true, 1, NULL, '2026-06-10', NULL),
  (17, '', '2026-05-02', '2026-05-02', 0, 'en', true, 1, NULL, NULL, 1000),  -- a boost of remy's post
  (18, 'Quoting my morning post', '2026-05-03', '2026-05-03', 0, 'en', true, 1, NULL, NULL, NULL),
  (19, 'Hi @remy@example.org', '2026-05-03', '2026-05-03', 0, 'en', true, 1, NULL, NULL, NULL),
  (21, 'Bread recipe, take two', '2026-05-01', '2026-05-01', 0, 'en', true, 2, NULL, NULL, NULL),
  (31, 'Suspended voice', '2026-05-01', '2026-05-01', 0, 'en', true, 3, NULL, NULL, NULL),
  (41, 'In memoriam', '2026-05-01', '2026-05-01', 0, 'en', true, 4, NULL, NULL, NULL),
  (51, 'Leaving soon', '2026-05-01', '2026-05-01', 0, 'en', true, 5, NULL, NULL, NULL),
  (61, 'Ferry times for Tuesday', '2026-05-01', '2026-05-01', 0, 'en', true, 6, NULL, NULL, NULL),
  (71, 'Age never checked', '2026-05-01', '2026-05-01', 0, 'en', true, 7, NULL, NULL, NULL),
  (1000, '<p>A remote post</p>', '2026-04-30', '2026-04-30', 0, 'en', false, 100, NULL, NULL, NULL);

-- Mastodon keeps a post's first version as an edit too: this is how 16 read at the cutoff.
INSERT INTO status_edits (status_id, account_id, text, created_at, updated_at) VALUES
  (16, 1, 'As it stood on the first of May', '2026-05-01', '2026-05-01'),
  (16, 1, 'Changed after the cutoff', '2026-06-10', '2026-06-10');

INSERT INTO quotes (id, account_id, status_id, quoted_status_id, quoted_account_id, state,
                    created_at, updated_at) VALUES
  (1, 1, 18, 11, 1, 1, '2026-05-03', '2026-05-03');

INSERT INTO mentions (status_id, account_id, silent, created_at, updated_at) VALUES
  (19, 100, false, '2026-05-03', '2026-05-03');
