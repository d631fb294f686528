"""The design system's files as `python -m candour.web.assets` builds them."""

from candour.web import assets


def test_the_built_files_name_no_source_map_so_collectstatic_can_hash_them(tmp_path):
    # With CANDOUR_DEBUG=0, collectstatic refuses a file that names a map it cannot find;
    # the maps are not copied (the CSS map would not match the rewritten CSS).
    written = assets.build(target=tmp_path / "nhsuk")
    names = {p.name for p in written}
    assert {"nhsuk-frontend.min.css", "nhsuk-frontend.min.js"} <= names
    assert not [name for name in names if name.endswith(".map")]
    css = (tmp_path / "nhsuk" / "nhsuk-frontend.min.css").read_text()
    js = (tmp_path / "nhsuk" / "nhsuk-frontend.min.js").read_text()
    assert "sourceMappingURL" not in css and "sourceMappingURL" not in js
    # The script is otherwise as the package ships it.
    shipped = (assets.SOURCE / "nhsuk-frontend.min.js").read_text()
    assert "sourceMappingURL" in shipped
    assert js.rstrip() == shipped.rsplit("//# sourceMappingURL", 1)[0].rstrip()
    assert "url(assets/" in css


def test_a_source_map_comment_is_removed_whatever_its_style():
    assert assets.without_source_map("a{}\n/*# sourceMappingURL=x.css.map */\n") == "a{}\n"
    assert assets.without_source_map("f();\n//# sourceMappingURL=x.js.map") == "f();\n"
    assert assets.without_source_map("f();\n") == "f();\n"
