"""free-text release for sponsors

Free text reaches sponsors only after review: a release state per question, and per answer the
approved text with the hash of the original it was approved for (survey/disclosure/).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('free_text_release',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=100), nullable=False),
    sa.Column('question_id', sa.String(length=100), nullable=False),
    sa.Column('released', sa.Boolean(), nullable=False),
    sa.Column('changed_by', sa.String(length=300), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('questionnaire_id', 'question_id')
    )
    op.create_table('free_text_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=100), nullable=False),
    sa.Column('question_id', sa.String(length=100), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('original_hash', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=300), nullable=False),
    sa.Column('reviewed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('response_id', 'key')
    )
    with op.batch_alter_table('free_text_approval', schema=None) as batch_op:
        batch_op.create_index('ix_free_text_approval_question', ['questionnaire_id', 'question_id'], unique=False)


def downgrade():
    with op.batch_alter_table('free_text_approval', schema=None) as batch_op:
        batch_op.drop_index('ix_free_text_approval_question')
    op.drop_table('free_text_approval')
    op.drop_table('free_text_release')
