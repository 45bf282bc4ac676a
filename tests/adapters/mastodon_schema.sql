-- The tables trainright's Mastodon import reads, column for column as
-- mastodon/mastodon db/schema.rb (version 2025_12_17_091936) states them: names,
-- types, nullability and defaults. Rails `datetime precision: nil` is
-- `timestamp without time zone`; a bare `datetime` is `timestamp(6)`; `string` is
-- `character varying`. Indexes that only speed up Mastodon's own queries and the
-- foreign keys are left out: the import does not depend on them.

-- Mastodon's snowflake-style id default (lib/mastodon/snowflake.rb); a stand-in
-- with the same shape (milliseconds << 16 | sequence), for rows inserted without an id.
CREATE SEQUENCE timestamp_id_seq;
CREATE FUNCTION timestamp_id(table_name text) RETURNS bigint LANGUAGE sql AS $$
  SELECT ((extract(epoch FROM clock_timestamp()) * 1000)::bigint << 16)
         | (nextval('timestamp_id_seq') & 65535)
$$;

CREATE TABLE account_deletion_requests (
  id bigserial PRIMARY KEY,
  account_id bigint NOT NULL,
  created_at timestamp without time zone NOT NULL,
  updated_at timestamp without time zone NOT NULL
);
CREATE INDEX index_account_deletion_requests_on_account_id ON account_deletion_requests (account_id);

CREATE TABLE accounts (
  id bigint PRIMARY KEY DEFAULT timestamp_id('accounts'::text),
  username character varying DEFAULT '' NOT NULL,
  domain character varying,
  private_key text,
  public_key text DEFAULT '' NOT NULL,
  created_at timestamp without time zone NOT NULL,
  updated_at timestamp without time zone NOT NULL,
  note text DEFAULT '' NOT NULL,
  display_name character varying DEFAULT '' NOT NULL,
  uri character varying DEFAULT '' NOT NULL,
  url character varying,
  avatar_file_name character varying,
  avatar_content_type character varying,
  avatar_file_size integer,
  avatar_updated_at timestamp without time zone,
  header_file_name character varying,
  header_content_type character varying,
  header_file_size integer,
  header_updated_at timestamp without time zone,
  avatar_remote_url character varying,
  locked boolean DEFAULT false NOT NULL,
  header_remote_url character varying DEFAULT '' NOT NULL,
  last_webfingered_at timestamp without time zone,
  inbox_url character varying DEFAULT '' NOT NULL,
  outbox_url character varying DEFAULT '' NOT NULL,
  shared_inbox_url character varying DEFAULT '' NOT NULL,
  followers_url character varying DEFAULT '' NOT NULL,
  protocol integer DEFAULT 0 NOT NULL,
  memorial boolean DEFAULT false NOT NULL,
  moved_to_account_id bigint,
  featured_collection_url character varying,
  fields jsonb,
  actor_type character varying,
  discoverable boolean,
  also_known_as character varying[],
  silenced_at timestamp without time zone,
  suspended_at timestamp without time zone,
  hide_collections boolean,
  avatar_storage_schema_version integer,
  header_storage_schema_version integer,
  sensitized_at timestamp without time zone,
  suspension_origin integer,
  trendable boolean,
  reviewed_at timestamp without time zone,
  requested_review_at timestamp without time zone,
  indexable boolean DEFAULT false NOT NULL,
  attribution_domains character varying[] DEFAULT '{}',
  following_url character varying DEFAULT '' NOT NULL,
  id_scheme integer DEFAULT 1,
  feature_approval_policy integer DEFAULT 0 NOT NULL
);
CREATE UNIQUE INDEX index_accounts_on_username_and_domain_lower
  ON accounts (lower((username)::text), COALESCE(lower((domain)::text), ''::text));
CREATE INDEX index_accounts_on_domain_and_id ON accounts (domain, id);

CREATE TABLE media_attachments (
  id bigint PRIMARY KEY DEFAULT timestamp_id('media_attachments'::text),
  status_id bigint,
  file_file_name character varying,
  file_content_type character varying,
  file_file_size integer,
  file_updated_at timestamp without time zone,
  remote_url character varying DEFAULT '' NOT NULL,
  created_at timestamp without time zone NOT NULL,
  updated_at timestamp without time zone NOT NULL,
  shortcode character varying,
  type integer DEFAULT 0 NOT NULL,
  file_meta json,
  account_id bigint,
  description text,
  scheduled_status_id bigint,
  blurhash character varying,
  processing integer,
  file_storage_schema_version integer,
  thumbnail_file_name character varying,
  thumbnail_content_type character varying,
  thumbnail_file_size integer,
  thumbnail_updated_at timestamp without time zone,
  thumbnail_remote_url character varying,
  thumbnail_storage_schema_version integer
);
CREATE INDEX index_media_attachments_on_status_id ON media_attachments (status_id);

CREATE TABLE mentions (
  id bigserial PRIMARY KEY,
  status_id bigint NOT NULL,
  created_at timestamp without time zone NOT NULL,
  updated_at timestamp without time zone NOT NULL,
  account_id bigint NOT NULL,
  silent boolean DEFAULT false NOT NULL
);
CREATE UNIQUE INDEX index_mentions_on_account_id_and_status_id ON mentions (account_id, status_id);
CREATE INDEX index_mentions_on_status_id ON mentions (status_id);

CREATE TABLE quotes (
  id bigint PRIMARY KEY DEFAULT timestamp_id('quotes'::text),
  account_id bigint NOT NULL,
  status_id bigint NOT NULL,
  quoted_status_id bigint,
  quoted_account_id bigint,
  state integer DEFAULT 0 NOT NULL,
  approval_uri character varying,
  activity_uri character varying,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  legacy boolean DEFAULT false NOT NULL
);
CREATE UNIQUE INDEX index_quotes_on_status_id ON quotes (status_id);

CREATE TABLE status_edits (
  id bigserial PRIMARY KEY,
  status_id bigint NOT NULL,
  account_id bigint,
  text text DEFAULT '' NOT NULL,
  spoiler_text text DEFAULT '' NOT NULL,
  created_at timestamp(6) without time zone NOT NULL,
  updated_at timestamp(6) without time zone NOT NULL,
  ordered_media_attachment_ids bigint[],
  media_descriptions text[],
  poll_options character varying[],
  sensitive boolean,
  quote_id bigint
);
CREATE INDEX index_status_edits_on_status_id ON status_edits (status_id);

CREATE TABLE statuses (
  id bigint PRIMARY KEY DEFAULT timestamp_id('statuses'::text),
  uri character varying,
  text text DEFAULT '' NOT NULL,
  created_at timestamp without time zone NOT NULL,
  updated_at timestamp without time zone NOT NULL,
  in_reply_to_id bigint,
  reblog_of_id bigint,
  url character varying,
  sensitive boolean DEFAULT false NOT NULL,
  visibility integer DEFAULT 0 NOT NULL,
  spoiler_text text DEFAULT '' NOT NULL,
  reply boolean DEFAULT false NOT NULL,
  language character varying,
  conversation_id bigint,
  local boolean,
  account_id bigint NOT NULL,
  application_id bigint,
  in_reply_to_account_id bigint,
  poll_id bigint,
  deleted_at timestamp without time zone,
  edited_at timestamp without time zone,
  trendable boolean,
  ordered_media_attachment_ids bigint[],
  fetched_replies_at timestamp(6) without time zone,
  quote_approval_policy integer DEFAULT 0 NOT NULL
);
CREATE INDEX index_statuses_on_account_id ON statuses (account_id);

CREATE TABLE users (
  id bigserial PRIMARY KEY,
  email character varying DEFAULT '' NOT NULL,
  created_at timestamp without time zone NOT NULL,
  updated_at timestamp without time zone NOT NULL,
  encrypted_password character varying DEFAULT '' NOT NULL,
  reset_password_token character varying,
  reset_password_sent_at timestamp without time zone,
  sign_in_count integer DEFAULT 0 NOT NULL,
  current_sign_in_at timestamp without time zone,
  last_sign_in_at timestamp without time zone,
  confirmation_token character varying,
  confirmed_at timestamp without time zone,
  confirmation_sent_at timestamp without time zone,
  unconfirmed_email character varying,
  locale character varying,
  consumed_timestep integer,
  otp_required_for_login boolean DEFAULT false NOT NULL,
  last_emailed_at timestamp without time zone,
  otp_backup_codes character varying[],
  account_id bigint NOT NULL,
  disabled boolean DEFAULT false NOT NULL,
  invite_id bigint,
  chosen_languages character varying[],
  created_by_application_id bigint,
  approved boolean DEFAULT true NOT NULL,
  sign_in_token character varying,
  sign_in_token_sent_at timestamp without time zone,
  webauthn_id character varying,
  sign_up_ip inet,
  skip_sign_in_token boolean,
  role_id bigint,
  settings text,
  time_zone character varying,
  otp_secret character varying,
  age_verified_at timestamp(6) without time zone,
  require_tos_interstitial boolean DEFAULT false NOT NULL
);
CREATE UNIQUE INDEX index_users_on_email ON users (email);
CREATE INDEX index_users_on_account_id ON users (account_id);
