// Texts of the phone layout (Spanish first), merged into i18n's dictionaries.

import { addTexts } from "../i18n.js";

export const TEXTS = {
  es: {
    nav_more: "Más",
    nav_more_label: "Más secciones",
    nav_bottom_label: "Secciones",
    nav_menu_close: "Cerrar el menú",
  },
  en: {
    nav_more: "More",
    nav_more_label: "More sections",
    nav_bottom_label: "Sections",
    nav_menu_close: "Close the menu",
  },
};

addTexts(TEXTS);
