"""The starter checkpoint's training data: short "virtual shots" cut from real footage, labelled by construction.

Run `python -m tools.starter_data.build --out cache/starter-data`; see README.md beside this file.
"""
