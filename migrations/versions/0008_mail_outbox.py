"""email fieldwork: message templates, the outbox, scheduled reminders; sealed tokens and the
first opening of a link on the respondent

Revision ID: 0008_mail_outbox
Revises: 0007_answer_edits
Create Date: 2026-12-02 03:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_mail_outbox'
down_revision = '0007_answer_edits'
branch_labels = None
depends_on = None


def upgrade():
    # plain ALTER TABLE (SQLite 3.35+ and PostgreSQL): a batch copy of respondent would break
    # the foreign keys of the tables that refer to it
    op.add_column('respondent', sa.Column('token_sealed', sa.Text(), nullable=True))
    op.add_column('respondent', sa.Column('opened_at', sa.DateTime(), nullable=True))
    op.create_table('message_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=300), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('questionnaire_id', 'kind')
    )
    op.create_table('outbox_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=100), nullable=False),
    sa.Column('respondent_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('batch', sa.String(length=64), nullable=False),
    sa.Column('to_address', sa.String(length=300), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('phase', sa.String(length=20), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_by', sa.String(length=200), nullable=True),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_by', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['respondent_id'], ['respondent.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('batch', 'respondent_id'),
    sa.UniqueConstraint('message_id')
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_message_due', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index('ix_outbox_message_respondent', ['respondent_id', 'kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_questionnaire_id'), ['questionnaire_id'], unique=False)
    op.create_table('reminder_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=100), nullable=False),
    sa.Column('send_at', sa.DateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('queued_at', sa.DateTime(), nullable=True),
    sa.Column('queued_count', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reminder_schedule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_schedule_questionnaire_id'), ['questionnaire_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reminder_schedule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_schedule_questionnaire_id'))
    op.drop_table('reminder_schedule')
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_questionnaire_id'))
        batch_op.drop_index('ix_outbox_message_respondent')
        batch_op.drop_index('ix_outbox_message_due')
    op.drop_table('outbox_message')
    op.drop_table('message_template')
    op.execute('ALTER TABLE respondent DROP COLUMN opened_at')
    op.execute('ALTER TABLE respondent DROP COLUMN token_sealed')
