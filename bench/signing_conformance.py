"""Independent conformance checks of signing output, with the tools auditors use.

* veraPDF 1.28.2 (``org.verapdf.apps:greenfield-apps``): PDF/A-3b of the
  result document before and after signing;
* EU DSS 6.3 validator: the PAdES baseline level and ETSI indication of a
  signed document, validated offline with only the development root trusted
  (a small Java program, ``DssValidate``, compiled here).

Both are fetched once from Maven Central with ``mvn`` into ``var/bench/`` and
run through ``sohoa.tools.run``. Used by ``bench/signing.py --conformance``.
"""

from __future__ import annotations

from pathlib import Path

from sohoa.settings import PROJECT_ROOT
from sohoa.tools import require, run

HOME = PROJECT_ROOT / "var" / "bench"
DSS_VERSION = "6.3"
# without dss-policy-jaxb and dss-cms-object DSS fails at run time (peers.md)
DSS_ARTIFACTS = ("dss-pades-pdfbox", "dss-validation", "dss-service", "dss-utils-apache-commons",
                 "dss-crl-parser-stream", "dss-policy-jaxb", "dss-cms-object")  # fmt: skip

DSS_MAIN = """import eu.europa.esig.dss.model.FileDocument;
import eu.europa.esig.dss.simplereport.SimpleReport;
import eu.europa.esig.dss.spi.DSSUtils;
import eu.europa.esig.dss.spi.validation.CommonCertificateVerifier;
import eu.europa.esig.dss.spi.x509.CommonTrustedCertificateSource;
import eu.europa.esig.dss.validation.SignedDocumentValidator;
import java.io.File;

/** Offline DSS validation. Args: trust root PEM, then PDFs. Prints file, format, indication, sub-indication. */
public class DssValidate {
    public static void main(String[] args) throws Exception {
        CommonTrustedCertificateSource trusted = new CommonTrustedCertificateSource();
        trusted.addCertificate(DSSUtils.loadCertificate(new File(args[0])));
        CommonCertificateVerifier verifier = new CommonCertificateVerifier();
        verifier.setTrustedCertSources(trusted);
        verifier.setOcspSource(null);
        verifier.setCrlSource(null);
        verifier.setAIASource(null);
        for (int i = 1; i < args.length; i++) {
            SignedDocumentValidator validator = SignedDocumentValidator.fromDocument(new FileDocument(args[i]));
            validator.setCertificateVerifier(verifier);
            SimpleReport report = validator.validateDocument().getSimpleReport();
            for (String id : report.getSignatureIdList()) {
                System.out.println(new File(args[i]).getName() + " " + report.getSignatureFormat(id) + " "
                    + report.getIndication(id) + " " + report.getSubIndication(id));
            }
        }
    }
}
"""


def _pom(name: str, dependencies: list[tuple[str, str, str]]) -> str:
    deps = "".join(
        f"<dependency><groupId>{g}</groupId><artifactId>{a}</artifactId><version>{v}</version></dependency>"
        for g, a, v in dependencies
    )
    return (
        '<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>'
        f"<groupId>sohoa</groupId><artifactId>{name}</artifactId><version>1</version>"
        f"<dependencies>{deps}</dependencies></project>"
    )


def _fetch(name: str, dependencies: list[tuple[str, str, str]]) -> Path:
    """``var/bench/<name>/lib`` holding the artifacts and their dependencies (downloaded once)."""
    home = HOME / name
    if not (home / "lib").is_dir():
        home.mkdir(parents=True, exist_ok=True)
        (home / "pom.xml").write_text(_pom(name, dependencies))
        run([require("mvn"), "-q", "-B", "-f", home / "pom.xml", "dependency:copy-dependencies",
             f"-DoutputDirectory={home / 'lib'}"], timeout=1200)  # fmt: skip
    return home


def verapdf(paths: list[Path]) -> str:
    """veraPDF's one-line verdict per file (``PASS <file> 3b`` or ``FAIL ...``)."""
    home = _fetch("verapdf", [("org.verapdf.apps", "greenfield-apps", "1.28.2")])
    proc = run([require("java"), "-cp", f"{home / 'lib'}/*", "org.verapdf.apps.GreenfieldCliWrapper",
                "--flavour", "3b", "--format", "text", *paths], timeout=600, ok_codes=(0, 1))  # fmt: skip
    return proc.stdout.decode().strip()


def dss(trust_root: Path, paths: list[Path]) -> str:
    """DSS's ``<file> <format> <indication> <sub-indication>`` per signature, offline."""
    home = _fetch("dss", [("eu.europa.ec.joinup.sd-dss", a, DSS_VERSION) for a in DSS_ARTIFACTS])
    classes = home / "classes"
    if not (classes / "DssValidate.class").exists():
        (home / "DssValidate.java").write_text(DSS_MAIN)
        run([require("javac"), "-d", classes, "-cp", f"{home / 'lib'}/*", home / "DssValidate.java"], timeout=300)
    proc = run([require("java"), "-cp", f"{classes}:{home / 'lib'}/*", "DssValidate", trust_root, *paths], timeout=900)
    return proc.stdout.decode().strip()
