"""The collection cycle's calendar: periods, their collection windows, what is owed and by whom."""
