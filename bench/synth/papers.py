"""Synthetic A4 papers: birth certificate, business registration certificate, administrative document.

Each type has three layouts (label wording, value beside or in a second column, dates in
figures or in words, letter versus decision). Pages are drawn at 200 dpi.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from typing import Any

from bench.synth import people
from bench.synth.render import Canvas

W, H, DPI = 1654, 2339, 200
BODY, HEAD = 33, 34
LEFT, RIGHT = 230, 1520  # Decree 30 margins: 30 mm left, 17 mm right (at 200 dpi)
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def _motto(c: Canvas, centre: float, y: int = 110) -> None:
    c.text(centre, y, MOTTO[0], 30, 1, anchor="ma")
    box = c.text(centre, y + 44, MOTTO[1], 31, 1, anchor="ma")
    c.rule(box[0], box[2], box[3] + 6)


def _rows(c: Canvas, y: int, rows: list[tuple[str, str]], layout: int, step: int = 62) -> int:
    """Label-value rows: beside the label (0, 1) or in a value column (2). Wraps long values."""
    for label, value in rows:
        x = LEFT + 10
        if layout == 2:
            c.text(x, y, label.rstrip(":"), BODY)
            vx = max(LEFT + 620, x + int(c.width_of(label, BODY)) + 40)  # a long label pushes its value right
        else:
            vx = x + int(c.width_of(label, BODY)) + 14
            c.text(x, y, label, BODY)
        for i, line in enumerate(c.wrap(value, BODY, RIGHT - vx)):
            y += step if i else 0
            c.text(vx if i == 0 or layout == 2 else x, y, line, BODY, 1 if value.isupper() else 0)
        y += step
    return y


def birth_certificate(rng: random.Random, layout: int, family: str) -> tuple[Canvas, dict[str, Any]]:
    child = people.person(rng, 2016, 2025)
    mother = replace(people.person(rng, 1975, 2000, "Nữ"), ethnicity=child.ethnicity)
    father = replace(people.person(rng, 1972, 1998, "Nam"), surname=child.surname, ethnicity=child.ethnicity)
    born, code = people.address(rng, street=False)
    place = f"Bệnh viện Đa khoa {born.split(', ')[-1]}" if layout != 1 else born
    residence, _ = people.address(rng)
    ward = residence.split(", ")[1]
    registered = date.fromordinal(child.birth.toordinal() + rng.randint(3, 50))
    truth = {"full_name": child.name.upper(), "date_of_birth": child.birth.isoformat(), "sex": child.sex,
             "ethnicity": child.ethnicity, "nationality": "Việt Nam", "place_of_birth": place,
             "id_number": people.id_number(rng, child, code) if layout != 1 else None,
             "father_name": father.name.upper(), "mother_name": mother.name.upper(),
             "registration_number": str(rng.randint(1, 480)), "registration_date": registered.isoformat(),
             "registration_authority": f"Ủy ban nhân dân {ward}"}
    c = Canvas(W, H, DPI, family)
    _motto(c, W / 2 + 140)
    c.text(W / 2, 300, "GIẤY KHAI SINH", 48, 1, anchor="ma")
    c.text(RIGHT - 420, 380, f"Số: {truth['registration_number']}", BODY)
    c.text(RIGHT - 420, 430, f"Quyển số: {rng.randint(1, 9):02d}/{registered.year}", BODY)
    when = people.in_words_date if layout == 1 else people.ddmmyyyy
    name_label, dob_label = (("Họ và tên:", "Ngày sinh:") if layout == 1 else ("Họ, chữ đệm, tên:", "Ngày, tháng, năm sinh:"))
    y = _rows(c, 520, [(name_label, truth["full_name"]), (dob_label, when(child.birth)),
                       ("Giới tính:", child.sex), ("Dân tộc:", child.ethnicity), ("Quốc tịch:", "Việt Nam"),
                       ("Nơi sinh:", place), ("Quê quán:", born)], layout)
    if truth["id_number"]:
        y = _rows(c, y, [("Số định danh cá nhân:", truth["id_number"])], layout)
    parent = "Họ và tên người {}:" if layout == 1 else "Họ, chữ đệm, tên người {}:"
    y = _rows(c, y + 20, [(parent.format("mẹ"), truth["mother_name"]), ("Năm sinh:", str(mother.birth.year)),
                          ("Nơi cư trú:", residence)], layout)
    y = _rows(c, y + 20, [(parent.format("cha"), truth["father_name"]), ("Năm sinh:", str(father.birth.year)),
                          ("Nơi cư trú:", residence)], layout)
    date_label = "Ngày đăng ký:" if layout == 1 else "Ngày, tháng, năm đăng ký:"
    _rows(c, y + 20, [("Nơi đăng ký:", truth["registration_authority"]), (date_label, when(registered))], layout)
    c.text(RIGHT - 300, H - 420, "NGƯỜI KÝ GIẤY KHAI SINH", BODY - 2, 1, anchor="ma")
    c.text(RIGHT - 300, H - 220, people.person(rng).name, BODY, 1, anchor="ma")
    return c, truth


def business_registration(rng: random.Random, layout: int, family: str) -> tuple[Canvas, dict[str, Any]]:
    rep = people.person(rng, 1960, 1995)
    address, _ = people.address(rng)
    province = people.province_body(address.split(", ")[-1])
    first = date(rng.randint(2010, 2024), rng.randint(1, 12), rng.randint(1, 28))
    code = people.tax_code(rng)
    office = ("SỞ KẾ HOẠCH VÀ ĐẦU TƯ", province,
              "PHÒNG ĐĂNG KÝ KINH DOANH")
    truth = {"enterprise_name": people.company_name(rng), "enterprise_code": code, "head_office_address": address,
             "legal_representative": rep.name.upper(), "charter_capital": rng.randint(1, 500) * 100_000_000,
             "first_registration_date": first.isoformat(), "issuing_authority": " ".join(office)}
    c = Canvas(W, H, DPI, family)
    for i, line in enumerate(office):
        c.text(LEFT + 230, 100 + 44 * i, line, 28, 1 if i == 2 else 0, anchor="ma")
    _motto(c, W / 2 + 330, 100)
    c.text(W / 2, 330, "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP", 42, 1, anchor="ma")
    form = "CÔNG TY TRÁCH NHIỆM HỮU HẠN" if "TNHH" in truth["enterprise_name"] else "CÔNG TY CỔ PHẦN"
    c.text(W / 2, 390, form, 32, 1, anchor="ma")
    capital = f"{truth['charter_capital']:,}".replace(",", ".") + " đồng"
    label_code = "Mã số doanh nghiệp:" if layout != 1 else "Mã số thuế:"
    y = _rows(c, 480, [(label_code, code), ("Đăng ký lần đầu:", people.in_words_date(first))], layout)
    name_label = "Tên công ty viết bằng tiếng Việt:" if layout != 2 else "Tên doanh nghiệp viết bằng tiếng Việt:"
    y = _rows(c, y + 30, [(name_label, truth["enterprise_name"]), ("Địa chỉ trụ sở chính:", address),
                          ("Điện thoại:", f"0{rng.randint(200, 299)} {rng.randint(1000000, 9999999)}"),
                          ("Vốn điều lệ:", capital)], layout)
    if layout == 0:
        c.text(LEFT + 10, y, "Người đại diện theo pháp luật của công ty", BODY, 1)
        y = _rows(c, y + 62, [("Họ và tên:", truth["legal_representative"]), ("Chức danh:", "Giám đốc")], layout)
    else:
        y = _rows(c, y, [("Người đại diện theo pháp luật:", truth["legal_representative"]),
                         ("Chức danh:", "Giám đốc")], layout)
    c.text(RIGHT - 300, y + 120, "TRƯỞNG PHÒNG", BODY, 1, anchor="ma")
    c.text(RIGHT - 300, y + 320, people.person(rng).name, BODY, 1, anchor="ma")
    return c, truth


KINDS = (("QUYẾT ĐỊNH", "Quyết định", "QĐ"), ("THÔNG BÁO", "Thông báo", "TB"), ("KẾ HOẠCH", "Kế hoạch", "KH"))
SUBJECTS = ("Về việc phê duyệt kế hoạch chuyển đổi số năm {y}", "Về việc thành lập tổ công tác cải cách thủ tục hành chính",
            "Về việc tổ chức tiếp công dân định kỳ quý {q} năm {y}", "Về việc ban hành quy chế số hóa hồ sơ, kết quả giải quyết thủ tục hành chính")
SIGNERS = ((("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), "Chủ tịch", "UBND"),
           (("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), "Phó Chủ tịch", "UBND"),
           (("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"), "Phó Giám đốc", "STTTT"))


def administrative_document(rng: random.Random, layout: int, family: str) -> tuple[Canvas, dict[str, Any]]:
    _, _, districts = rng.choice(people.PLACES)
    province = rng.choice(people.PLACES)[0]
    issued = date(rng.randint(2019, 2025), rng.randint(1, 12), rng.randint(1, 28))
    block, title, abbr = SIGNERS[layout]
    body = (("ỦY BAN NHÂN DÂN", people.province_body(province)) if layout != 2 else
            (f"UBND {people.province_body(province)}", "SỞ THÔNG TIN VÀ TRUYỀN THÔNG"))
    kind = KINDS[rng.randrange(3)] if layout != 2 else ("", "Công văn", "")
    number = f"{rng.randint(1, 250):02d}/{kind[2] + '-' if kind[2] else ''}{abbr}{'-VP' if layout == 2 else ''}"
    summary = rng.choice(SUBJECTS).format(y=issued.year, q=rng.randint(1, 4))
    if layout == 2:
        summary = summary.replace("Về việc ", "").capitalize()
    signer = people.person(rng, 1965, 1985)
    truth = {"issuing_agency": " ".join(body), "document_number": number, "document_type": kind[1],
             "issue_place": province, "issue_date": issued.isoformat(), "summary": summary,
             "signer_name": signer.name, "signer_title": title}
    c = Canvas(W, H, DPI, family)
    head_x = LEFT + 220
    c.text(head_x, 110, body[0], 28, 0 if layout == 2 else 1, anchor="ma")
    box = c.text(head_x, 154, body[1], 28, 1, anchor="ma")
    c.rule(head_x - 80, head_x + 80, box[3] + 10)
    _motto(c, W / 2 + 330)
    c.text(head_x, 250, f"Số: {number}", BODY - 2, anchor="ma")
    c.text(W / 2 + 330, 250, f"{province}, {people.in_words_date(issued)}", BODY - 2, 2, anchor="ma")
    y = 360
    if layout == 2:
        for line in c.wrap(f"V/v {summary}", BODY - 6, 560):
            c.text(head_x, 300 + (y - 360), line, BODY - 6, anchor="ma")
            y += 42
        c.text(W / 2, 480, "Kính gửi: Ủy ban nhân dân các huyện, thị xã, thành phố", BODY, anchor="ma")
        y = 560
    else:
        c.text(W / 2, y, kind[0], 38, 1, anchor="ma")
        y += 56
        for line in c.wrap(summary, BODY, 1000, 1):
            c.text(W / 2, y, line, BODY, 1, anchor="ma")
            y += 46
        y += 60
    for para in _body_text(rng, layout):
        for line in c.wrap(para, BODY, RIGHT - LEFT):
            c.text(LEFT, y, line, BODY)
            y += 48
        y += 12
    _signature(c, y + 60, block, signer.name)
    return c, truth


def _body_text(rng: random.Random, layout: int) -> list[str]:
    laws = ("Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
            "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
            "Theo đề nghị của Chánh Văn phòng Ủy ban nhân dân tỉnh.")
    if layout == 2:
        return ["Thực hiện chỉ đạo của Ủy ban nhân dân tỉnh về chuyển đổi số, Sở đề nghị các đơn vị rà soát "
                "danh mục hồ sơ và báo cáo kết quả trước ngày 30 hằng tháng.", "Trân trọng./."]
    return [*laws[: rng.randint(2, 3)], "Điều 1. Phê duyệt nội dung kèm theo văn bản này.",
            "Điều 2. Văn bản có hiệu lực kể từ ngày ký."]


def _signature(c: Canvas, y: int, block: tuple[str, ...], name: str) -> None:
    c.text(LEFT, y, "Nơi nhận:", 26, 1)
    for i, line in enumerate(("- Như Điều 2;", "- Lưu: VT, VP.")):
        c.text(LEFT, y + 40 + 34 * i, line, 22)
    x = RIGHT - 300
    for i, line in enumerate(block):
        c.text(x, y + 44 * i, line, 30, 1, anchor="ma")
    c.text(x, y + 44 * len(block) + 200, name, 31, 1, anchor="ma")
