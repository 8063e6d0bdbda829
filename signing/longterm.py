"""Long-term validation: is the evidence of a signature still sound at a (later) validation time?

``verify_pdf`` validates a signature at its timestamp's time with the revocation
data embedded at signing (B-LT). That stays true only while the signature
timestamp itself can be trusted, i.e. while its TSA certificate has not expired
(nor been revoked). Years later, after the signer *and* that TSA certificate
have expired, the only remaining proof is an evidence chain of archive document
timestamps (B-LTA), each renewed before the previous one's TSA expired, the
newest still valid at validation time.

This module runs pyHanko's ETSI EN 319 102-1 § 5.6.3 long-term (LTA) validation
for that question, offline: from what the document carries (its DSS) plus
revocation data the auditor supplies for *today* (``fresh_crls``: DER CRLs,
e.g. the current CRL of the archive TSA's CA). Outcomes:

* B-LT after its TSA certificate expired: indeterminate (``NO_POE``): nothing
  proves the signature existed while its certificates were valid;
* B-LTA whose newest archive timestamp is valid at validation time: valid;
* B-LTA without current revocation data for its newest archive TSA:
  indeterminate, as ETSI prescribes (supply the TSA CA's current CRL).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from asn1crypto import crl, x509
from pyhanko.sign.ades.report import AdESStatus
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.validation import EmbeddedPdfSignature
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy, RevocationCheckingRule
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer

from sohoa.model import Check


_RULE = RevocationCheckingRule.CHECK_IF_DECLARED  # every certificate here declares a CRL or OCSP URL


def needs_long_term_check(sig: EmbeddedPdfSignature, at: datetime | None) -> bool:
    """True when the signature timestamp's TSA certificate is no longer valid at ``at`` (None = now).

    Until then the B-LT evidence (timestamp + embedded revocation data) stands on
    its own and the costlier LTA validation is skipped.
    """
    try:
        tsa = timestamp_tsa_cert(sig)
    except Exception:  # a mangled CMS blob: the integrity and timestamp lines already say so
        return False
    return tsa is not None and tsa.not_valid_after <= (at or datetime.now(UTC))


def long_term_check(
    sig: EmbeddedPdfSignature, roots: list[x509.Certificate], at: datetime | None, fresh_crls: Sequence[bytes] = ()
) -> Check:
    """One report line: the AdES LTA indication of ``sig`` at ``at`` (None = now), offline."""
    moment = at or datetime.now(UTC)
    spec = PdfSignatureValidationSpec(_signature_spec(roots, fresh_crls))
    timing = ValidationTimingInfo(validation_time=moment, best_signature_time=moment, point_in_time_validation=True)
    when = moment.strftime("%Y-%m-%d")
    try:
        result = asyncio.run(ades_lta_validation(sig, spec, timing_info=timing))
    except Exception as e:  # a broken evidence chain (e.g. a failed archive timestamp) is a verdict
        return Check("long_term", False, f"Chuỗi bằng chứng lưu trữ hỏng lúc {when}", f"archival evidence chain broken at {when} ({e})")
    indication = result.ades_subindic
    if indication.status == AdESStatus.PASSED:
        oldest = result.oldest_evidence_record_timestamp
        since = f"; evidence since {oldest:%Y-%m-%d}" if oldest else ""
        return Check("long_term", True, f"Bằng chứng dài hạn còn hiệu lực lúc {when}", f"long-term evidence still valid at {when}{since}")
    ok = False if indication.status == AdESStatus.FAILED else None
    return Check(
        "long_term", ok,
        f"Lúc {when} không còn chứng cứ tồn tại hợp lệ cho chữ ký ({indication.name}); cần dấu thời gian lưu trữ (B-LTA) gia hạn kịp thời",
        f"at {when} nothing valid proves the signature's existence ({indication.name}); needs a timely renewed archive timestamp (B-LTA)",
    )  # fmt: skip


def _signature_spec(roots: list[x509.Certificate], fresh_crls: Sequence[bytes]) -> SignatureValidationSpec:
    """Trust only ``roots``; never fetch; know the document's DSS (read by pyHanko) plus ``fresh_crls``."""
    revocation = RevocationCheckingPolicy(ee_certificate_rule=_RULE, intermediate_ca_cert_rule=_RULE)
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=roots), revinfo_policy=CertRevTrustPolicy(revocation)
    )
    known = [CRLContainer(crl.CertificateList.load(der)) for der in fresh_crls]
    return SignatureValidationSpec(
        cert_validation_policy=policy,
        revinfo_gathering_policy=RevocationInfoGatheringSpec(online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY),
        local_knowledge=LocalKnowledge(known_crls=known),
    )


def timestamp_tsa_cert(sig: EmbeddedPdfSignature) -> x509.Certificate | None:
    """The certificate of the TSA that issued the signature timestamp, or None without one."""
    for token in extract_tst_data_iter(sig.signer_info, signed=False):
        try:
            return extract_certificate_info(token).signer_cert
        except ValueError:  # token without its TSA certificate
            return None
    return None
