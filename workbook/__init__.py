"""The workbook layer: recognise the 附件2-1 layout in a grid of cell values and plan the writes.

Pure (no Excel, no files) except the adapters in ``workbook.xlsx`` / ``workbook.fast``, which turn
files into grids and apply write plans to files.
"""
