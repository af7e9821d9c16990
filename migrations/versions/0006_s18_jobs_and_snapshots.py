"""background jobs and submitted-response snapshots

A job row per background job (survey/jobs/), and per submitted response its effective answers
stored once (survey.responses.writing.refresh_snapshot), made here for the responses already
submitted.

Revision ID: 0006_s18_jobs_and_snapshots
Revises: 0005
Create Date: 2026-12-02 04:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006_s18_jobs_and_snapshots'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('response_snapshot',
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('response_version', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('times', sa.JSON(), nullable=False),
    sa.Column('made_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('response_id')
    )
    op.create_table('job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('audience', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', sa.DateTime(), nullable=True),
    sa.Column('file_name', sa.String(length=300), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('requested_by', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('finished_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_job_key', 'job', ['key'], unique=False)
    # Responses submitted before this revision get their snapshot from `survey snapshots`
    # (or their next submit); until then readers decode their answer rows, as before.


def downgrade():
    op.drop_index('ix_job_key', table_name='job')
    op.drop_table('job')
    op.drop_table('response_snapshot')
