-- +goose Up
-- Email: the durable outbox every mail goes through, the per-conversation
-- mail state (reply address token, how far replies were mailed) and the
-- addresses that asked for no more mail.

-- One row per mail. A mail is queued in the same transaction as the change
-- that causes it and rendered then, so what is sent is what was decided.
-- Any instance's worker claims a due row with FOR UPDATE SKIP LOCKED and
-- moves next_attempt_at past its sending time (a lease), so one instance
-- sends it; a failed attempt sets the next one with backoff, and a mail
-- still unsent after the give-up time is marked failed with the reason.
CREATE TABLE mail_outbox (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- What caused it: test | followup | acknowledgement | transcript | notification.
    kind            text NOT NULL CHECK (kind IN ('test', 'followup', 'acknowledgement', 'transcript', 'notification')),
    to_address      text NOT NULL CHECK (char_length(to_address) BETWEEN 3 AND 320),
    subject         text NOT NULL,
    text_body       text NOT NULL,
    html_body       text NOT NULL,
    -- The Reply-To address (reply+<token>@<domain>) or ''.
    reply_to        text NOT NULL DEFAULT '',
    -- The one-click unsubscribe URL (List-Unsubscribe) or ''.
    unsubscribe_url text NOT NULL DEFAULT '',
    conversation_id uuid REFERENCES conversations (id),
    status          text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    sent_at         timestamptz
);
-- The worker's claim: the due queued mails, oldest first.
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE status = 'queued';
-- The admins' view: newest first, keyset-paginated.
CREATE INDEX mail_outbox_recent ON mail_outbox (created_at DESC, id DESC);

-- A conversation's mail state, created with its first mail.
CREATE TABLE mail_conversations (
    conversation_id uuid PRIMARY KEY REFERENCES conversations (id),
    -- The secret part of the conversation's reply address reply+<token>@<domain>.
    reply_token     text NOT NULL UNIQUE CHECK (char_length(reply_token) BETWEEN 16 AND 64),
    -- The newest message seq already mailed to the customer: a reply is
    -- mailed once.
    mailed_seq      bigint NOT NULL DEFAULT 0,
    -- Whether the customer's offline message was acknowledged.
    acknowledged    boolean NOT NULL DEFAULT false,
    -- The customer's browser language when they opened the conversation
    -- ("vi", "en", ""): their mail's language when the widget follows the
    -- browser.
    language        text NOT NULL DEFAULT '' CHECK (char_length(language) <= 8),
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Addresses that get no more customer mail: unsubscribed (one click on the
-- link in a mail), bounced or complained. Stored in lower case.
CREATE TABLE mail_suppressions (
    address    text PRIMARY KEY CHECK (address = lower(address)),
    reason     text NOT NULL CHECK (reason IN ('unsubscribed', 'bounced', 'complained')),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE mail_suppressions;
DROP TABLE mail_conversations;
DROP TABLE mail_outbox;
