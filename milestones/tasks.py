"""Celery wrappers around milestone services."""

from celery import shared_task

from milestones.services import milestones_flag_overdue


@shared_task
def milestones_flag_overdue_task() -> list[int]:
    """Daily sweep (beat): returns the ids of the milestones it flagged."""
    return [milestone.pk for milestone in milestones_flag_overdue()]
