from celery import shared_task

from datagov.services import contracts_mark_expired


@shared_task
def contracts_mark_expired_task() -> list[str]:
    """Daily: active contracts past their expiry date become expired (in history)."""
    return contracts_mark_expired()
