"""Refresh the contract KPI when data governance changes, without datagov knowing of KPIs."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from datagov.models import ContractTransition, DataContract
from kpis.services.computed import CONTRACTS_BY_INDUSTRY, computed_kpis_enqueue


@receiver(post_save, sender=ContractTransition, dispatch_uid="kpis-contract-transition")
@receiver(post_save, sender=DataContract, dispatch_uid="kpis-contract-saved")
def contract_changed(sender, raw: bool = False, **kwargs) -> None:
    if not raw:
        computed_kpis_enqueue([CONTRACTS_BY_INDUSTRY])


@receiver(m2m_changed, sender=DataContract.datasets.through, dispatch_uid="kpis-contract-datasets")
def contract_datasets_changed(sender, action: str, **kwargs) -> None:
    if action.startswith("post_"):
        computed_kpis_enqueue([CONTRACTS_BY_INDUSTRY])
