var ue,k,je,Ft,H,He,Ve,Ge,ke,re,Q,Je,Ee,xe,Se,Ht,le={},ie=[],Bt=/acit|ex(?:s|g|n|p|$)|rph|grid|ows|mnc|ntw|ine[ch]|zoo|^ord|itera/i,de=Array.isArray;function F(e,t){for(var o in t)e[o]=t[o];return e}function Ce(e){e&&e.parentNode&&e.parentNode.removeChild(e)}function Re(e,t,o){var n,s,r,a={};for(r in t)r=="key"?n=t[r]:r=="ref"?s=t[r]:a[r]=t[r];if(arguments.length>2&&(a.children=arguments.length>3?ue.call(arguments,2):o),typeof e=="function"&&e.defaultProps!=null)for(r in e.defaultProps)a[r]===void 0&&(a[r]=e.defaultProps[r]);return se(e,a,n,s,null)}function se(e,t,o,n,s){var r={type:e,props:t,key:o,ref:n,__k:null,__:null,__b:0,__e:null,__c:null,constructor:void 0,__v:s??++je,__i:-1,__u:0};return s==null&&k.vnode!=null&&k.vnode(r),r}function pe(e){return e.children}function ae(e,t){this.props=e,this.context=t}function G(e,t){if(t==null)return e.__?G(e.__,e.__i+1):null;for(var o;t<e.__k.length;t++)if((o=e.__k[t])!=null&&o.__e!=null)return o.__e;return typeof e.type=="function"?G(e):null}function qt(e){if(e.__P&&e.__d){var t=e.__v,o=t.__e,n=[],s=[],r=F({},t);r.__v=t.__v+1,k.vnode&&k.vnode(r),Pe(e.__P,r,t,e.__n,e.__P.namespaceURI,32&t.__u?[o]:null,n,o??G(t),!!(32&t.__u),s),r.__v=t.__v,r.__.__k[r.__i]=r,Ze(n,r,s),t.__e=t.__=null,r.__e!=o&&Ye(r)}}function Ye(e){if((e=e.__)!=null&&e.__c!=null)return e.__e=e.__c.base=null,e.__k.some(function(t){if(t!=null&&t.__e!=null)return e.__e=e.__c.base=t.__e}),Ye(e)}function Be(e){(!e.__d&&(e.__d=!0)&&H.push(e)&&!ce.__r++||He!=k.debounceRendering)&&((He=k.debounceRendering)||Ve)(ce)}function ce(){try{for(var e,t=1;H.length;)H.length>t&&H.sort(Ge),e=H.shift(),t=H.length,qt(e)}finally{H.length=ce.__r=0}}function ze(e,t,o,n,s,r,a,u,c,l,p){var _,i,h,f,v,y,g=n&&n.__k||ie,m=t.length;for(c=Kt(o,t,g,c,m),_=0;_<m;_++)(h=o.__k[_])!=null&&(i=h.__i!=-1&&g[h.__i]||le,h.__i=_,y=Pe(e,h,i,s,r,a,u,c,l,p),f=h.__e,h.ref&&i.ref!=h.ref&&(i.ref&&Te(i.ref,null,h),p.push(h.ref,h.__c||f,h)),v==null&&f!=null&&(v=f),4&h.__u?(c=Xe(h,c,e),i.__e&&(i.__e=null)):typeof h.type=="function"&&y!==void 0?c=y:f&&(c=f.nextSibling),h.__u&=-7);return o.__e=v,c}function Kt(e,t,o,n,s){var r,a,u,c,l,p=o.length,_=p,i=0;for(e.__k=new Array(s),r=0;r<s;r++)(a=t[r])!=null&&typeof a!="boolean"&&typeof a!="function"?(typeof a=="string"||typeof a=="number"||typeof a=="bigint"||a.constructor==String?a=e.__k[r]=se(null,a,null,null,null):de(a)?a=e.__k[r]=se(pe,{children:a},null,null,null):a.constructor===void 0&&a.__b>0?a=e.__k[r]=se(a.type,a.props,a.key,a.ref?a.ref:null,a.__v):e.__k[r]=a,c=r+i,a.__=e,a.__b=e.__b+1,u=null,(l=a.__i=jt(a,o,c,_))!=-1&&(_--,(u=o[l])&&(u.__u|=2)),u==null||u.__v==null?(l==-1&&(s>p?i--:s<p&&i++),typeof a.type!="function"&&(a.__u|=4)):l!=c&&(l==c-1?i--:l==c+1?i++:(l>c?i--:i++,a.__u|=4))):e.__k[r]=null;if(_)for(r=0;r<p;r++)(u=o[r])!=null&&(2&u.__u)==0&&(u.__e==n&&(n=G(u)),tt(u,u));return n}function Xe(e,t,o){var n,s;if(typeof e.type=="function"){for(n=e.__k,s=0;n&&s<n.length;s++)n[s]&&(n[s].__=e,t=Xe(n[s],t,o));return t}e.__e!=t&&(t&&e.type&&!t.parentNode&&(t=G(e)),t=o.insertBefore(e.__e,t||null));do t=t&&t.nextSibling;while(t!=null&&t.nodeType==8);return t}function jt(e,t,o,n){var s,r,a,u=e.key,c=e.type,l=t[o],p=l!=null&&(2&l.__u)==0;if(l===null&&u==null||p&&u==l.key&&c==l.type)return o;if(n>(p?1:0)){for(s=o-1,r=o+1;s>=0||r<t.length;)if((l=t[a=s>=0?s--:r++])!=null&&(2&l.__u)==0&&u==l.key&&c==l.type)return a}return-1}function qe(e,t,o){t[0]=="-"?e.setProperty(t,o??""):e[t]=o==null?"":typeof o!="number"||Bt.test(t)?o:o+"px"}function ne(e,t,o,n,s){var r,a;e:if(t=="style")if(typeof o=="string")e.style.cssText=o;else{if(typeof n=="string"&&(e.style.cssText=n=""),n)for(t in n)o&&t in o||qe(e.style,t,"");if(o)for(t in o)n&&o[t]==n[t]||qe(e.style,t,o[t])}else if(t[0]=="o"&&t[1]=="n")r=t!=(t=t.replace(Je,"$1")),a=t.toLowerCase(),t=a in e||t=="onFocusOut"||t=="onFocusIn"?a.slice(2):t.slice(2),e.l||(e.l={}),e.l[t+r]=o,o?n?o[Q]=n[Q]:(o[Q]=Ee,e.addEventListener(t,r?Se:xe,r)):e.removeEventListener(t,r?Se:xe,r);else{if(s=="http://www.w3.org/2000/svg")t=t.replace(/xlink(H|:h)/,"h").replace(/sName$/,"s");else if(t!="width"&&t!="height"&&t!="href"&&t!="list"&&t!="form"&&t!="tabIndex"&&t!="download"&&t!="rowSpan"&&t!="colSpan"&&t!="role"&&t!="popover"&&t in e)try{e[t]=o??"";break e}catch{}typeof o=="function"||(o==null||o===!1&&t[4]!="-"?e.removeAttribute(t):e.setAttribute(t,t=="popover"&&o==1?"":o))}}function Ke(e){return function(t){if(this.l){var o=this.l[t.type+e];if(t[re]==null)t[re]=Ee++;else if(t[re]<o[Q])return;return o(k.event?k.event(t):t)}}}function Pe(e,t,o,n,s,r,a,u,c,l){var p,_,i,h,f,v,y,g,m,b,P,I,W,w,N,X,O=t.type;if(t.constructor!==void 0)return null;128&o.__u&&(c=!!(32&o.__u),r=[u=t.__e=o.__e]),(p=k.__b)&&p(t);e:if(typeof O=="function"){_=a.length;try{if(m=t.props,b=O.prototype&&O.prototype.render,P=(p=O.contextType)&&n[p.__c],I=p?P?P.props.value:p.__:n,o.__c?g=(i=t.__c=o.__c).__=i.__E:(b?t.__c=i=new O(m,I):(t.__c=i=new ae(m,I),i.constructor=O,i.render=Gt),P&&P.sub(i),i.state||(i.state={}),i.__n=n,h=i.__d=!0,i.__h=[],i._sb=[]),b&&i.__s==null&&(i.__s=i.state),b&&O.getDerivedStateFromProps!=null&&(i.__s==i.state&&(i.__s=F({},i.__s)),F(i.__s,O.getDerivedStateFromProps(m,i.__s))),f=i.props,v=i.state,i.__v=t,h)b&&O.getDerivedStateFromProps==null&&i.componentWillMount!=null&&i.componentWillMount(),b&&i.componentDidMount!=null&&i.__h.push(i.componentDidMount);else{if(b&&O.getDerivedStateFromProps==null&&m!==f&&i.componentWillReceiveProps!=null&&i.componentWillReceiveProps(m,I),t.__v==o.__v||!i.__e&&i.shouldComponentUpdate!=null&&i.shouldComponentUpdate(m,i.__s,I)===!1){t.__v!=o.__v&&(i.props=m,i.state=i.__s,i.__d=!1),t.__e=o.__e,t.__k=o.__k,t.__k.some(function(Y){Y&&(Y.__=t)}),ie.push.apply(i.__h,i._sb),i._sb=[],i.__h.length&&a.push(i),u=G(o);break e}i.componentWillUpdate!=null&&i.componentWillUpdate(m,i.__s,I),b&&i.componentDidUpdate!=null&&i.__h.push(function(){i.componentDidUpdate(f,v,y)})}if(i.context=I,i.props=m,i.__P=e,i.__e=!1,W=k.__r,w=0,b)i.state=i.__s,i.__d=!1,W&&W(t),p=i.render(i.props,i.state,i.context),ie.push.apply(i.__h,i._sb),i._sb=[];else do i.__d=!1,W&&W(t),p=i.render(i.props,i.state,i.context),i.state=i.__s;while(i.__d&&++w<25);i.state=i.__s,i.getChildContext!=null&&(n=F(F({},n),i.getChildContext())),b&&!h&&i.getSnapshotBeforeUpdate!=null&&(y=i.getSnapshotBeforeUpdate(f,v)),N=p!=null&&p.type===pe&&p.key==null?et(p.props.children):p,u=ze(e,de(N)?N:[N],t,o,n,s,r,a,u,c,l),i.base=t.__e,t.__u&=-161,i.__h.length&&a.push(i),g&&(i.__E=i.__=null)}catch(Y){if(a.length=_,t.__v=null,c||r!=null){if(Y.then){for(t.__u|=c?160:128;u&&u.nodeType==8&&u.nextSibling;)u=u.nextSibling;r!=null&&(r[r.indexOf(u)]=null),t.__e=u}else if(r!=null)for(X=r.length;X--;)Ce(r[X])}else t.__e=o.__e;t.__k==null&&(t.__k=o.__k||[]),Y.then||Qe(t),k.__e(Y,t,o)}}else r==null&&t.__v==o.__v?(t.__k=o.__k,t.__e=o.__e):u=t.__e=Vt(o.__e,t,o,n,s,r,a,c,l);return(p=k.diffed)&&p(t),128&t.__u?void 0:u}function Qe(e){e&&(e.__c&&(e.__c.__e=!0),e.__k&&e.__k.some(Qe))}function Ze(e,t,o){for(var n=0;n<o.length;n++)Te(o[n],o[++n],o[++n]);k.__c&&k.__c(t,e),e.some(function(s){try{e=s.__h,s.__h=[],e.some(function(r){r.call(s)})}catch(r){k.__e(r,s.__v)}})}function et(e){return typeof e!="object"||e==null||e.__b>0?e:de(e)?e.map(et):e.constructor!==void 0?null:F({},e)}function Vt(e,t,o,n,s,r,a,u,c){var l,p,_,i,h,f,v,y=o.props||le,g=t.props,m=t.type;if(m=="svg"?s="http://www.w3.org/2000/svg":m=="math"?s="http://www.w3.org/1998/Math/MathML":s||(s="http://www.w3.org/1999/xhtml"),r!=null){for(l=0;l<r.length;l++)if((h=r[l])&&"setAttribute"in h==!!m&&(m?h.localName==m:h.nodeType==3)){e=h,r[l]=null;break}}if(e==null){if(m==null)return document.createTextNode(g);e=document.createElementNS(s,m,g.is&&g),u&&(k.__m&&k.__m(t,r),u=!1),r=null}if(m==null)y===g||u&&e.data==g||(e.data=g);else{if(r=m=="textarea"&&g.defaultValue!=null?null:r&&ue.call(e.childNodes),!u&&r!=null)for(y={},l=0;l<e.attributes.length;l++)y[(h=e.attributes[l]).name]=h.value;for(l in y)h=y[l],l=="dangerouslySetInnerHTML"?_=h:l=="children"||l in g||l=="value"&&"defaultValue"in g||l=="checked"&&"defaultChecked"in g||ne(e,l,null,h,s);for(l in g)h=g[l],l=="children"?i=h:l=="dangerouslySetInnerHTML"?p=h:l=="value"?f=h:l=="checked"?v=h:u&&typeof h!="function"||y[l]===h||ne(e,l,h,y[l],s);if(p)u||_&&(p.__html==_.__html||p.__html==e.innerHTML)||(e.innerHTML=p.__html),t.__k=[];else if(_&&(e.innerHTML=""),ze(t.type=="template"?e.content:e,de(i)?i:[i],t,o,n,m=="foreignObject"?"http://www.w3.org/1999/xhtml":s,r,a,r?r[0]:o.__k&&G(o,0),u,c),r!=null)for(l=r.length;l--;)Ce(r[l]);u&&m!="textarea"||(l="value",m=="progress"&&f==null?e.removeAttribute("value"):f!=null&&(f!==e[l]||m=="progress"&&!f||m=="option"&&f!=y[l])&&ne(e,l,f,y[l],s),l="checked",v!=null&&v!=e[l]&&ne(e,l,v,y[l],s))}return e}function Te(e,t,o){try{if(typeof e=="function"){var n=typeof e.__u=="function";n&&e.__u(),n&&t==null||(e.__u=e(t))}else e.current=t}catch(s){k.__e(s,o)}}function tt(e,t,o){var n,s;if(k.unmount&&k.unmount(e),(n=e.ref)&&(n.current&&n.current!=e.__e||Te(n,null,t)),(n=e.__c)!=null){if(n.componentWillUnmount)try{n.componentWillUnmount()}catch(r){k.__e(r,t)}n.base=n.__P=n.__n=null}if(n=e.__k)for(s=0;s<n.length;s++)n[s]&&tt(n[s],t,o||typeof e.type!="function");o||Ce(e.__e),e.__c=e.__=e.__e=void 0}function Gt(e,t,o){return this.constructor(e,o)}function ot(e,t,o){var n,s,r,a;t==document&&(t=document.documentElement),k.__&&k.__(e,t),s=(n=typeof o=="function")?null:o&&o.__k||t.__k,r=[],a=[],Pe(t,e=(!n&&o||t).__k=Re(pe,null,[e]),s||le,le,t.namespaceURI,!n&&o?[o]:s?null:t.firstChild?ue.call(t.childNodes):null,r,!n&&o?o:s?s.__e:t.firstChild,n,a),Ze(r,e,a),e.props.children=null}ue=ie.slice,k={__e:function(e,t,o,n){for(var s,r,a;t=t.__;)if((s=t.__c)&&!s.__)try{if((r=s.constructor)&&r.getDerivedStateFromError!=null&&(s.setState(r.getDerivedStateFromError(e)),a=s.__d),s.componentDidCatch!=null&&(s.componentDidCatch(e,n||{}),a=s.__d),a)return s.__E=s}catch(u){e=u}throw e}},je=0,Ft=function(e){return e!=null&&e.constructor===void 0},ae.prototype.setState=function(e,t){var o;o=this.__s!=null&&this.__s!=this.state?this.__s:this.__s=F({},this.state),typeof e=="function"&&(e=e(F({},o),this.props)),e&&F(o,e),e!=null&&this.__v&&(t&&this._sb.push(t),Be(this))},ae.prototype.forceUpdate=function(e){this.__v&&(this.__e=!0,e&&this.__h.push(e),Be(this))},ae.prototype.render=pe,H=[],Ve=typeof Promise=="function"?Promise.prototype.then.bind(Promise.resolve()):setTimeout,Ge=function(e,t){return e.__v.__b-t.__v.__b},ce.__r=0,ke=Math.random().toString(8),re="__d"+ke,Q="__a"+ke,Je=/(PointerCapture)$|Capture$/i,Ee=0,xe=Ke(!1),Se=Ke(!0),Ht=0;var Z,E,Ie,nt,_e=0,dt=[],C=k,rt=C.__b,st=C.__r,at=C.diffed,lt=C.__c,it=C.unmount,ct=C.__;function Ae(e,t){C.__h&&C.__h(E,e,_e||t),_e=0;var o=E.__H||(E.__H={__:[],__h:[]});return e>=o.__.length&&o.__.push({}),o.__[e]}function $(e){return _e=1,Jt(ht,e)}function Jt(e,t,o){var n=Ae(Z++,2);if(n.t=e,!n.__c&&(n.__=[o?o(t):ht(void 0,t),function(u){var c=n.__N?n.__N[0]:n.__[0],l=n.t(c,u);c!==l&&(n.__N=[l,n.__[1]],n.__c.setState({}))}],n.__c=E,!E.__f)){var s=function(u,c,l){if(!n.__c.__H)return!0;var p=!1,_=n.__c.props!==u;if(n.__c.__H.__.some(function(h){if(h.__N){p=!0;var f=h.__[0];h.__=h.__N,h.__N=void 0,f!==h.__[0]&&(_=!0)}}),r){var i=r.call(this,u,c,l);return p?i||_:i}return!p||_};E.__f=!0;var r=E.shouldComponentUpdate,a=E.componentWillUpdate;E.componentWillUpdate=function(u,c,l){if(this.__e){var p=r;r=void 0,s(u,c,l),r=p}a&&a.call(this,u,c,l)},E.shouldComponentUpdate=s}return n.__N||n.__}function A(e,t){var o=Ae(Z++,3);!C.__s&&pt(o.__H,t)&&(o.__=e,o.u=t,E.__H.__h.push(o))}function U(e){return _e=5,J(function(){return{current:e}},[])}function J(e,t){var o=Ae(Z++,7);return pt(o.__H,t)&&(o.__=e(),o.__H=t,o.__h=e),o.__}function Yt(){for(var e;e=dt.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(he),t.__h.some(Me),t.__h=[]}catch(o){t.__h=[],C.__e(o,e.__v)}}}C.__b=function(e){E=null,rt&&rt(e)},C.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),ct&&ct(e,t)},C.__r=function(e){st&&st(e),Z=0;var t=(E=e.__c).__H;t&&(Ie===E?(t.__h=[],E.__h=[],t.__.some(function(o){o.__N&&(o.__=o.__N),o.u=o.__N=void 0})):(t.__h.some(he),t.__h.some(Me),t.__h=[],Z=0)),Ie=E},C.diffed=function(e){at&&at(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&(dt.push(t)!==1&&nt===C.requestAnimationFrame||((nt=C.requestAnimationFrame)||zt)(Yt)),t.__H.__.some(function(o){o.u&&(o.__H=o.u,o.u=void 0)})),Ie=E=null},C.__c=function(e,t){t.some(function(o){try{o.__h.some(he),o.__h=o.__h.filter(function(n){return!n.__||Me(n)})}catch(n){t.some(function(s){s.__h&&(s.__h=[])}),t=[],C.__e(n,o.__v)}}),lt&&lt(e,t)},C.unmount=function(e){it&&it(e);var t,o=e.__c;o&&o.__H&&(o.__H.__.some(function(n){try{he(n)}catch(s){t=s}}),o.__H=void 0,t&&C.__e(t,o.__v))};var ut=typeof requestAnimationFrame=="function";function zt(e){var t,o=function(){clearTimeout(n),ut&&cancelAnimationFrame(t),setTimeout(e)},n=setTimeout(o,35);ut&&(t=requestAnimationFrame(o))}function he(e){var t=E,o=e.__c;typeof o=="function"&&(e.__c=void 0,o()),E=t}function Me(e){var t=E;e.__c=e.__(),E=t}function pt(e,t){return!e||e.length!==t.length||t.some(function(o,n){return o!==e[n]})}function ht(e,t){return typeof t=="function"?t(e):t}var ft=function(e,t,o,n){var s;t[0]=0;for(var r=1;r<t.length;r++){var a=t[r++],u=t[r]?(t[0]|=a?1:2,o[t[r++]]):t[++r];a===3?n[0]=u:a===4?n[1]=Object.assign(n[1]||{},u):a===5?(n[1]=n[1]||{})[t[++r]]=u:a===6?n[1][t[++r]]+=u+"":a?(s=e.apply(u,ft(e,u,o,["",null])),n.push(s),u[0]?t[0]|=2:(t[r-2]=0,t[r]=s)):n.push(u)}return n},_t=new Map;function mt(e){var t=_t.get(this);return t||(t=new Map,_t.set(this,t)),(t=ft(this,t.get(e)||(t.set(e,t=(function(o){for(var n,s,r=1,a="",u="",c=[0],l=function(i){r===1&&(i||(a=a.replace(/^\s*\n\s*|\s*\n\s*$/g,"")))?c.push(0,i,a):r===3&&(i||a)?(c.push(3,i,a),r=2):r===2&&a==="..."&&i?c.push(4,i,0):r===2&&a&&!i?c.push(5,0,!0,a):r>=5&&((a||!i&&r===5)&&(c.push(r,0,a,s),r=6),i&&(c.push(r,i,0,s),r=6)),a=""},p=0;p<o.length;p++){p&&(r===1&&l(),l(p));for(var _=0;_<o[p].length;_++)n=o[p][_],r===1?n==="<"?(l(),c=[c],r=3):a+=n:r===4?a==="--"&&n===">"?(r=1,a=""):a=n+a[0]:u?n===u?u="":a+=n:n==='"'||n==="'"?u=n:n===">"?(l(),r=1):r&&(n==="="?(r=5,s=a,a=""):n==="/"&&(r<5||o[p][_+1]===">")?(l(),r===3&&(c=c[0]),r=c,(c=c[0]).push(2,0,r),r=0):n===" "||n==="	"||n===`
`||n==="\r"?(l(),r=2):a+=n),r===3&&a==="!--"&&(r=4,c=c[0])}return l(),c})(e)),t),arguments,[])).length>1?t:t[0]}var d=mt.bind(Re);var ee=["participant.joined","participant.left","session.started","session.closed","user.created","user.updated","user.deleted"];function $t({rate:e=10,burst:t=20}={}){let o=t,n=performance.now(),s=0,r=null,a=[],u=()=>{r=null;let c=performance.now();for(o=Math.min(t,o+(c-n)*e/1e3),n=c;a.length&&c>=s&&o>=1;)o-=1,a.shift()();if(a.length){let l=Math.max(s-c,(1-o)*1e3/e);r=setTimeout(u,Math.ceil(l))}};return{take(){return new Promise(c=>{a.push(c),r||u()})},pause(c){s=Math.max(s,performance.now()+c),o=0,r&&clearTimeout(r),u()}}}function bt(e){let t=`collabkit-events:${e.accountId}`,o=new Set,n=new Set,s=null,r=null,a=c=>{if(c){if(n.has(c.id))return;n.add(c.id),n.size>500&&n.delete(n.values().next().value)}for(let l of[...o])(!c||!l.roomId||l.roomId===c.room_id)&&l.handler(c)};function u(){let c=new AbortController,l=typeof BroadcastChannel=="function"?new BroadcastChannel(t):null,p=null;l?.addEventListener("message",({data:f})=>{f.cursor&&(p=f.cursor),"event"in f&&a(f.event)});let _=l&&!navigator.locks?eo(l,c.signal,h):null,i=f=>l?.postMessage(_?{...f,peer:_.me}:f);async function h(f,v){let y=m=>f.aborted||i(m);v&&!p&&(y({event:null}),a(null));let g=500;for(;!f.aborted;){try{await e.stream(p,m=>{if(!m.data){_&&y({});return}let b;try{b=JSON.parse(m.data)}catch{return}p=m.id??p,y({cursor:p,event:b}),a(b),g=500},f)}catch(m){m.retryAfter&&(g=Math.max(g,m.retryAfter))}if(f.aborted)break;await new Promise(m=>{let b=setTimeout(m,g);f.addEventListener("abort",()=>(clearTimeout(b),m()),{once:!0})}),g=Math.min(g*2,1e4)}}return l?_||(async()=>{await navigator.locks.request(t,{ifAvailable:!0},async v=>v?(await h(c.signal,!1),!0):!1)||c.signal.aborted||await navigator.locks.request(t,{signal:c.signal},()=>h(c.signal,!0))})().catch(()=>{}):h(c.signal,!1),()=>{c.abort(),l?.close()}}return{subscribe(c,l){let p={handler:c,roomId:l};return o.add(p),clearTimeout(r),s??(s=u()),()=>{o.delete(p),!o.size&&(clearTimeout(r),r=setTimeout(()=>{o.size||!s||(s(),s=null,n.clear())},2e3))}}}}var Xt=25e3,Qt=5e3,Zt=300;function eo(e,t,o){let n=`${Date.now().toString(36).padStart(9,"0")}.${Math.random().toString(36).slice(2,10)}`,s=new Map,r=!1,a=null,u=!1,c=()=>{let h=performance.now(),f=n;for(let[v,y]of s)h-y>Xt?s.delete(v):v<f&&(f=v);return f},l=()=>{if(!r||t.aborted)return;let h=c()===n;if(h&&!a){let f=new AbortController;a=f,o(f.signal,u).finally(()=>{a===f&&(a=null)})}else!h&&a&&(a.abort(),a=null)},p=h=>{try{e.postMessage({...h,peer:n})}catch{}};e.addEventListener("message",({data:h})=>{h.bye?s.delete(h.bye):h.peer&&(s.set(h.peer,performance.now()),u=!0,h.hello&&p({})),l()});let _=()=>p({bye:n}),i=setInterval(()=>{p({}),l()},Qt);return window.addEventListener("pagehide",_),p({hello:!0}),setTimeout(()=>{r=!0,l()},Zt),t.addEventListener("abort",()=>{clearInterval(i),window.removeEventListener("pagehide",_),a?.abort(),_()},{once:!0}),{me:n}}var B=class extends Error{constructor(t,o,n,s=o,r=null){super(n),this.status=t,this.code=o,this.reason=s,this.requestId=r}},D=100,to="The server could not be reached. Is `collabkit serve` still running at this address?";function oo(e,t){let o=new TextEncoder().encode(`${e}:${t}`),n="";for(let s of o)n+=String.fromCharCode(s);return btoa(n)}function te(e){return typeof e=="string"&&e.length>0&&e.length<=256&&e!=="."&&e!==".."&&!/[\u0000-\u001f\u007f]/.test(e)}function x(e,...t){return e.reduce((o,n,s)=>{let r=t[s-1];if(!te(String(r)))throw new B(0,"invalid_id",`"${r}" is not a valid id.`);return o+encodeURIComponent(String(r))+n})}var no=3,vt=e=>Math.min(60,Math.max(1,Number(e.headers.get("retry-after"))||1))*1e3;function Ne(e,t,o){let n=`/v1/accounts/${encodeURIComponent(e)}`,s={authorization:`Bearer ${oo(e,t)}`},r=$t();async function a(l,p){for(let _=0;;_++){await r.take();let i=await fetch(l,p);if(i.status!==429||_===no)return i;r.pause(vt(i)),await i.body?.cancel()}}async function u(l,p,_){let i;try{i=await a(n+p,{method:l,headers:_===void 0?s:{...s,"content-type":"application/json"},body:_===void 0?void 0:JSON.stringify(_)})}catch{throw new B(0,"unreachable",to)}if(i.status===204)return null;let h=null;try{h=await i.json()}catch{}if(!i.ok){let f=h?.error,v=new B(i.status,f?.code??"http_error",f?.message??`The server answered ${i.status} ${i.statusText}.`,f?.reason??f?.code??"http_error",h?.requestId??i.headers.get("x-request-id"));throw i.status===401&&o&&o(v),v}return h?.data}let c={accountId:e,get:l=>u("GET",l),post:(l,p)=>u("POST",l,p??{}),patch:(l,p)=>u("PATCH",l,p),put:(l,p)=>u("PUT",l,p),del:l=>u("DELETE",l),async stream(l,p,_){let i=new URLSearchParams;l&&i.set("cursor",l);let h=await a(`${n}/events/stream?${i}`,{headers:s,signal:_});if(!h.ok||!h.body){let y=new B(h.status,"stream_failed",`The event stream answered ${h.status}.`);throw(h.status===429||h.status===503)&&(y.retryAfter=vt(h)),await h.body?.cancel(),h.status===401&&o&&o(y),y}let f=h.body.pipeThrough(new TextDecoderStream).getReader(),v="";for(;;){let{value:y,done:g}=await f.read();if(g)return;v+=y;let m;for(;(m=v.indexOf(`

`))>=0;){let b=v.slice(0,m);v=v.slice(m+2);let P={};for(let I of b.split(`
`)){let W=I.indexOf(":");if(W<=0)continue;let w=I.slice(0,W),N=I.slice(W+1).replace(/^ /,"");P[w]=P[w]?`${P[w]}
${N}`:N}p(P)}}}};return c.events=bt(c),c}async function yt(e,t){if(!te(e))throw new B(0,"invalid_id","That is not an account id (they look like `acct_\u2026`).");let o=Ne(e,t);try{await o.get("/webhooks?limit=1")}catch(n){throw n.status===401||n.status===403||n.status===404?new B(n.status,n.code,"That account id and API key do not match. Check both (the key was printed once when the account was created; `collabkit accounts rotate-key` makes a new one)."):n}return o}function fe(e,t=250,o=1e3){let n=null,s=0,r=()=>{let a=performance.now();s||(s=a),clearTimeout(n),n=setTimeout(()=>{n=null,s=0,e()},Math.max(0,Math.min(t,s+o-a)))};return r.cancel=()=>{clearTimeout(n),n=null,s=0},r}function gt(e){let t=null,o=null,n=()=>t?(o??(o=t.catch(()=>{}).then(()=>(o=null,n()))),o):(t=Promise.resolve().then(e).finally(()=>{t=null}),t);return n}function R(e,t,o){let[n,s]=$({data:void 0,error:null}),r=U(e);r.current=e;let a=U(0),u=J(()=>{let c=gt(async()=>{let l=a.current;try{let p=await r.current();return l===a.current&&s({data:p,error:null}),p}catch(p){l===a.current&&s(_=>({data:_.data,error:p}));return}});return{reload:c,refresh:fe(c)}},[]);return A(()=>{a.current+=1,s({data:void 0,error:null}),u.reload();let c=o?setInterval(()=>{document.visibilityState==="visible"&&u.reload()},o):null;return()=>{clearInterval(c),u.refresh.cancel()}},t),{...n,...u}}function De(e,t,o){let n=U(t);n.current=t,A(()=>e.events.subscribe(s=>n.current(s),o),[e,o])}function S({error:e}){return e?d`<p class="error" role="alert">${e.message}${e.requestId?d` <span class="request-id">(request <code>${e.requestId}</code>)</span>`:null}</p>`:null}function q(e,t,o,n,s="total"){let r=R(()=>e(0),o,n),[a,u]=$({items:[],error:null,busy:!1});A(()=>u({items:[],error:null,busy:!1}),o);let c=r.data?.[t]??[],l=new Set(c.map(h=>h.id)),p=[...c,...a.items.filter(h=>!l.has(h.id))],_=r.data?.[s],i=async()=>{u(h=>({...h,busy:!0,error:null}));try{let h=await e(c.length+a.items.length);u(f=>({items:[...f.items,...h[t]],error:null,busy:!1}))}catch(h){u(f=>({...f,error:h,busy:!1}))}};return{...r,items:p,total:_,hasMore:typeof _=="number"&&p.length<_,more:i,busy:a.busy,moreError:a.error}}function K({list:e,what:t}){return e.data?d`<div class="show-more">
    ${e.hasMore?d`<p class="muted" aria-live="polite">Showing ${e.items.length} of ${e.total} ${t}.</p>
          <button type="button" class="secondary" disabled=${e.busy} onClick=${e.more}>Show more ${t}</button>`:null}
    <${S} error=${e.moreError} />
  </div>`:null}function me({status:e}){let t={success:"Succeeded",failed:"Failed",pending:"Pending",suppressed:"Suppressed"}[e]??e;return d`<span class="badge badge-${e}">${t}</span>`}function T({children:e}){return d`<div class="empty">${e}</div>`}function z({secret:e,title:t,onDone:o}){let[n,s]=$(!1),r=U(null);return d`
    <section class="secret" role="alert" aria-labelledby="secret-title">
      <h3 id="secret-title">${t}</h3>
      <p><strong>Copy this signing secret now: it is shown only once.</strong> Your receiver
        needs it to check signatures; if you lose it, rotate the secret to get a new one.</p>
      <div class="secret-row">
        <code ref=${r} data-testid="secret">${e}</code>
        <button type="button" onClick=${async()=>{try{await navigator.clipboard.writeText(e),s(!0)}catch{let u=document.createRange();u.selectNodeContents(r.current);let c=window.getSelection();c.removeAllRanges(),c.addRange(u)}}}>${n?"Copied":"Copy secret"}</button>
      </div>
      <p class="muted" aria-live="polite">${n?"The secret is on your clipboard.":""}</p>
      <button type="button" class="secondary" onClick=${o}>I have stored it</button>
    </section>`}function Le({open:e,title:t,children:o,confirmLabel:n,onConfirm:s,onCancel:r}){let a=U(null);return A(()=>{let u=a.current;u&&(e&&!u.open&&u.showModal(),!e&&u.open&&u.close())},[e]),d`
    <dialog ref=${a} aria-labelledby="confirm-title" onCancel=${u=>{u.preventDefault(),r()}}>
      <h3 id="confirm-title">${t}</h3>
      <div>${o}</div>
      <div class="actions">
        <button type="button" class="secondary" onClick=${r}>Cancel</button>
        <button type="button" class="danger" onClick=${s}>${n}</button>
      </div>
    </dialog>`}var ro=new Intl.DateTimeFormat(void 0,{year:"numeric",month:"short",day:"numeric",hour:"2-digit",minute:"2-digit",second:"2-digit"}),so=new Intl.DateTimeFormat(void 0,{hour:"2-digit",minute:"2-digit"}),L=e=>e?ro.format(new Date(e)):"\u2014",$e=e=>so.format(new Date(e));function Ue(e){if(!e)return"never";let t=Math.round((Date.now()-new Date(e).getTime())/1e3);return t<60?"just now":t<3600?`${Math.floor(t/60)} min ago`:t<86400?`${Math.floor(t/3600)} h ago`:`${Math.floor(t/86400)} d ago`}var be=e=>e==null?"\u2014":`${(e*100).toFixed(e>=.999||e===0?0:1)} %`,j=e=>e==null?"\u2014":e>=1e3?`${(e/1e3).toFixed(e>=1e4?0:1)} s`:`${e} ms`;function wt(e){if(e==null)return"\u2014";let t=Math.max(0,Math.floor(e));return t<60?`${t} s`:t<3600?`${Math.floor(t/60)} min${t%60?` ${t%60} s`:""}`:t<86400?`${Math.floor(t/3600)} h${t%3600>=60?` ${Math.floor(t%3600/60)} min`:""}`:`${Math.floor(t/86400)} d${t%86400>=3600?` ${Math.floor(t%86400/3600)} h`:""}`}function oe(e){try{return JSON.stringify(JSON.parse(e),null,2)}catch{return e}}function kt(e){let t=o=>String(o).padStart(2,"0");return`${e.getFullYear()}-${t(e.getMonth()+1)}-${t(e.getDate())}T${t(e.getHours())}:${t(e.getMinutes())}`}var ve=160,M={left:44,right:8,top:10,bottom:22},V=ve-M.top-M.bottom,xt="(max-width: 600px)";function St(){let[e,t]=$(()=>matchMedia(xt).matches);A(()=>{let n=matchMedia(xt),s=()=>t(n.matches);return n.addEventListener("change",s),()=>n.removeEventListener("change",s)},[]);let o=e?360:600;return[o,o-M.left-M.right]}function Et(e){if(e<=4)return 4;let t=10**Math.floor(Math.log10(e));for(let o of[1,2,2.5,5,10])if(o*t>=e)return o*t;return 10*t}function Ct({W:e,plotW:t,minutes:o,max:n,unit:s}){let r=[0,n/2,n],a=Math.max(1,Math.round(o.length/(e<600?3:4)));return d`
    <g class="axis" aria-hidden="true">
      ${r.map(u=>{let c=M.top+V-u/n*V;return d`<line x1=${M.left} x2=${e-M.right} y1=${c} y2=${c} class="grid" />
          <text x=${M.left-6} y=${c+4} text-anchor="end">${s(u)}</text>`})}
      ${o.map((u,c)=>c%a===0?d`<text x=${M.left+(c+.5)*(t/o.length)} y=${ve-6} text-anchor="middle">${$e(u.start)}</text>`:null)}
    </g>`}function ye({minutes:e}){let[t,o]=St();if(!e)return d`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.reduce((l,p)=>l+p.succeeded,0),s=e.reduce((l,p)=>l+p.failed,0),r=Et(Math.max(...e.map(l=>l.succeeded+l.failed))),a=o/e.length,u=l=>l/r*V,c=`Attempts per minute over the last ${e.length} minutes: ${n} succeeded, ${s} failed.`;return d`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${ve}" role="img" aria-label=${c}>
        <${Ct} W=${t} plotW=${o} minutes=${e} max=${r} unit=${l=>String(Math.round(l))} />
        ${e.map((l,p)=>{let _=M.left+p*a+a*.15,i=u(l.succeeded),h=u(l.failed),f=M.top+V;return d`<g>
            <title>${$e(l.start)}: ${l.succeeded} succeeded, ${l.failed} failed</title>
            ${l.succeeded?d`<rect class="ok" x=${_} width=${a*.7} y=${f-i} height=${i} />`:null}
            ${l.failed?d`<rect class="fail" x=${_} width=${a*.7} y=${f-i-h} height=${h} />`:null}
          </g>`})}
      </svg>
      <figcaption>
        <span class="key ok"></span> succeeded (${n}) <span class="key fail"></span> failed (${s})
      </figcaption>
    </figure>`}function ge({minutes:e}){let[t,o]=St();if(!e)return d`<div class="chart chart-placeholder" aria-busy="true"></div>`;let n=e.flatMap(l=>[l.p50_ms,l.p99_ms]).filter(l=>l!=null),s=Et(Math.max(1,...n)),r=o/e.length,a=l=>{let p="",_=!1;return e.forEach((i,h)=>{let f=i[l];if(f==null){_=!1;return}let v=M.left+(h+.5)*r,y=M.top+V-f/s*V;p+=`${_?"L":"M"}${v.toFixed(1)},${y.toFixed(1)}`,_=!0}),p},u=[...e].reverse().find(l=>l.p50_ms!=null),c=u?`Attempt latency: latest minute with attempts p50 ${j(u.p50_ms)}, p99 ${j(u.p99_ms)}.`:"Attempt latency: no attempts in this window.";return d`
    <figure class="chart">
      <svg viewBox="0 0 ${t} ${ve}" role="img" aria-label=${c}>
        <${Ct} W=${t} plotW=${o} minutes=${e} max=${s} unit=${l=>j(Math.round(l))} />
        <path class="p99" d=${a("p99_ms")} />
        <path class="p50" d=${a("p50_ms")} />
        ${e.map((l,p)=>l.p50_ms==null?null:d`<circle class="p99" cx=${M.left+(p+.5)*r} cy=${M.top+V-l.p99_ms/s*V} r="2.5"><title>${$e(l.start)}: p50 ${j(l.p50_ms)}, p99 ${j(l.p99_ms)}</title></circle>`)}
      </svg>
      <figcaption><span class="key p50"></span> p50 <span class="key p99"></span> p99</figcaption>
    </figure>`}function we({api:e,initial:t,submitLabel:o,onSubmit:n,onCancel:s}){let[r,a]=$(t?.url??""),[u,c]=$(t?.events??["user.created"]),[l,p]=$(t?.room_id??""),[_,i]=$(t?.enabled??!0),[h,f]=$(null),[v,y]=$(!1),[g,m]=$(""),b=R(()=>e.get(`/rooms?${new URLSearchParams(g?{limit:D,search:g}:{limit:D})}`),[e,g]),P=g!==""||(b.data?.total??0)>D,I=w=>c(N=>N.includes(w)?N.filter(X=>X!==w):[...N,w]);return d`
    <form class="panel form" onSubmit=${async w=>{if(w.preventDefault(),u.length===0){f(new Error("Pick at least one event."));return}y(!0),f(null);try{await n({url:r.trim(),events:u,room_id:l||null,enabled:_})}catch(N){f(N)}finally{y(!1)}}} aria-busy=${v}>
      <label for="wh-url">Receiver URL</label>
      <input id="wh-url" type="url" required placeholder="https://example.com/webhooks/collabkit"
        value=${r} onInput=${w=>a(w.target.value)} />
      <fieldset>
        <legend>Events</legend>
        <div class="checks">
          ${ee.map(w=>d`<label class="check">
              <input type="checkbox" checked=${u.includes(w)} onChange=${()=>I(w)} />
              <code>${w}</code>
            </label>`)}
        </div>
      </fieldset>
      ${P?d`<label for="wh-room-search">Filter the list by name</label>
            <input id="wh-room-search" type="search" value=${g} onInput=${w=>m(w.target.value)} />`:null}
      <label for="wh-room">Room</label>
      <select id="wh-room" value=${l} onChange=${w=>p(w.target.value)}>
        <option value="">Every room of the account</option>
        ${(b.data?.rooms??[]).map(w=>d`<option value=${w.id}>${w.name}${w.custom_id?` (${w.custom_id})`:""}</option>`)}
        ${l&&!(b.data?.rooms??[]).some(w=>w.id===l)?d`<option value=${l}>${l}</option>`:null}
      </select>
      <label class="check">
        <input type="checkbox" checked=${_} onChange=${w=>i(w.target.checked)} />
        Enabled (deliveries are sent)
      </label>
      <${S} error=${h} />
      <div class="actions">
        ${s?d`<button type="button" class="secondary" onClick=${s}>Cancel</button>`:null}
        <button type="submit" disabled=${v}>${o}</button>
      </div>
    </form>`}function We({health:e}){return!e||e.last_outcome==null?d`<span class="muted">No attempts in 24 h</span>`:e.last_outcome==="failed"?d`<span class="badge badge-failed">Failing</span> <span class="muted">since ${Ue(e.failing_since)}</span>`:d`<span class="badge badge-success">Succeeded</span> <span class="muted">${Ue(e.last_attempt_minute)}</span>`}function Oe({api:e,reloadKey:t}){let o=U(new Map),n=q(async s=>{let r=new URLSearchParams({limit:String(D)}),a=o.current.get(s);a?r.set("cursor",a):s&&r.set("offset",String(s));let[u,c]=await Promise.all([e.get(`/webhooks?limit=${D}&offset=${s}`),e.get(`/stats/webhooks?${r}`)]);c.next_cursor&&o.current.set(s+u.webhooks.length,c.next_cursor);let l=new Map(c.webhooks.map(p=>[p.webhook_id,p]));return{...u,webhooks:u.webhooks.map(p=>({...p,health:l.get(p.id)}))}},"webhooks",[e,t],1e4);return n.data===void 0&&!n.error?d`<div class="table-placeholder" aria-busy="true">Loading webhooks…</div>`:n.data&&n.items.length===0?d`<${T}>
      <p>No webhooks yet. Register a URL and CollabKit will send it signed events as they happen.</p>
      <a class="button" href="#/webhooks/new">Create a webhook</a>
    <//>`:d`
    <${S} error=${n.error} />
    <div class="table-wrap">
      <table class="cards">
        <caption class="visually-hidden">Webhooks with their latest outcome and success rate</caption>
        <thead><tr><th scope="col">Receiver</th><th scope="col">Events</th><th scope="col">Status</th><th scope="col">Latest attempt</th><th scope="col">Success (24 h)</th></tr></thead>
        <tbody>
          ${n.items.map(s=>d`<tr>
              <td class="url"><a href=${`#/webhooks/${encodeURIComponent(s.id)}`}>${s.url}</a>${s.room_id?d`<div class="muted">room ${s.room_id}</div>`:null}</td>
              <td data-label="Events">${s.events.length===7?"all 7":s.events.join(", ")}</td>
              <td data-label="Status">${s.enabled?d`<span class="badge badge-on">Enabled</span>`:d`<span class="badge badge-off">Disabled</span>`}</td>
              <td data-label="Latest attempt"><${We} health=${s.health} /></td>
              <td data-label="Success (24 h)">${be(s.health?.success_rate_24h)} <span class="muted">${s.health?.attempts_24h?`of ${s.health.attempts_24h}`:""}</span></td>
            </tr>`)}
        </tbody>
      </table>
    </div>
    <${K} list=${n} what="webhooks" />`}function Rt({api:e,creating:t}){let[o,n]=$(null),[s,r]=$(0),a=async u=>{let c=await e.post("/webhooks",u);n(c.webhook),r(l=>l+1),location.hash="#/webhooks"};return d`
    <div class="title-row">
      <h1>Webhooks</h1>
      ${t?null:d`<a class="button" href="#/webhooks/new">New webhook</a>`}
    </div>
    ${o?d`<${z} title=${`Webhook created for ${o.url}`} secret=${o.secret} onDone=${()=>n(null)} />`:null}
    ${t?d`<section aria-labelledby="new-title"><h2 id="new-title">New webhook</h2>
          <${we} api=${e} submitLabel="Create webhook" onSubmit=${a} onCancel=${()=>location.hash="#/webhooks"} />
        </section>`:null}
    <${Oe} api=${e} reloadKey=${s} />`}function Pt({api:e}){let t=R(()=>e.get("/stats/deliveries?minutes=60"),[e],1e4);return d`
    <h1>Overview</h1>
    <section aria-labelledby="charts-title">
      <h2 id="charts-title">The last hour</h2>
      <${S} error=${t.error} />
      <div class="charts">
        <div class="panel">
          <h3>Delivery attempts per minute</h3>
          <${ye} minutes=${t.data?.minutes} />
        </div>
        <div class="panel">
          <h3>Attempt latency</h3>
          <${ge} minutes=${t.data?.minutes} />
        </div>
      </div>
    </section>
    <section aria-labelledby="health-title">
      <h2 id="health-title">Webhooks</h2>
      <${Oe} api=${e} />
    </section>`}function ao(e){let t={};return e.split(`
`).forEach((o,n)=>{if(o.trim()==="")return;let s=o.indexOf(":");if(s<1)throw new Error(`Line ${n+1}: write each header as \u201CName: value\u201D.`);t[o.slice(0,s).trim()]=o.slice(s+1).trim()}),t}var lo=e=>Object.entries(e).map(([t,o])=>`${t}: ${o}`).join(`
`);function Tt({api:e,id:t,ready:o}){let n=R(async()=>{if(!o)return;let[b,P]=await Promise.all([e.get(x`/webhooks/${t}/headers`),e.get(x`/webhooks/${t}/rate-limit`)]);return{headers:b.headers,perSecond:P.per_second}},[e,t,o]),[s,r]=$(!1),[a,u]=$(""),[c,l]=$(""),[p,_]=$(null),[i,h]=$(null),f=n.data,v=f?Object.keys(f.headers):[],y=async(b,P)=>{_(null),h(null);try{await b(),await n.reload(),h(P)}catch(I){_(I)}},g=b=>{b.preventDefault(),y(async()=>{await e.put(x`/webhooks/${t}/headers`,{headers:ao(a)}),r(!1)},"Headers saved.")},m=b=>{b.preventDefault(),y(()=>e.put(x`/webhooks/${t}/rate-limit`,{per_second:Number(c)}),"Rate limit saved.")};return d`
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">Delivery settings</h2>
      <${S} error=${n.error??p} />
      ${i?d`<p class="notice" role="status">${i}</p>`:null}
      <div class="panel facts">
        <dl>
          <dt>Custom headers</dt>
          <dd data-testid="headers">${f===void 0?"\u2026":v.length===0?d`<span class="muted">None</span>`:v.map(b=>d`<code class="tag">${b}</code> `)}</dd>
          <dt>Rate limit</dt>
          <dd data-testid="rate-limit">${f===void 0?"\u2026":f.perSecond===null?d`<span class="muted">None</span>`:`${f.perSecond} deliveries per second, over every node`}</dd>
        </dl>
        <div class="actions">
          <button type="button" class="secondary" aria-expanded=${s} disabled=${f===void 0}
            onClick=${()=>{u(lo(f.headers)),r(!s)}}>Edit headers</button>
          ${f?.perSecond!==null&&f!==void 0?d`<button type="button" class="secondary"
                onClick=${()=>y(()=>e.put(x`/webhooks/${t}/rate-limit`,{per_second:null}),"Rate limit removed.")}>Remove rate limit</button>`:null}
        </div>
        ${s?d`<form class="form" onSubmit=${g}>
              <label for="wh-headers">Headers, one per line (“Name: value”); saving replaces them all</label>
              <textarea id="wh-headers" rows="4" spellcheck="false" value=${a} onInput=${b=>u(b.target.value)}
                placeholder="Authorization: Bearer …"></textarea>
              <div class="actions">
                <button type="button" class="secondary" onClick=${()=>r(!1)}>Cancel</button>
                <button type="submit">Save headers</button>
              </div>
            </form>`:null}
        <form class="form" onSubmit=${m}>
          <label for="wh-rate">Deliveries per second at most (1 to 10,000)</label>
          <div class="actions">
            <input id="wh-rate" type="number" min="1" max="10000" step="1" required value=${c}
              onInput=${b=>l(b.target.value)} />
            <button type="submit">Save rate limit</button>
          </div>
        </form>
      </div>
    </section>`}function It({api:e,id:t}){let o=R(async()=>{let[{webhook:h},f]=await Promise.all([e.get(x`/webhooks/${t}`),e.get(x`/stats/webhooks?webhook_id=${t}`)]);return{webhook:h,health:f.webhooks.find(v=>v.webhook_id===t)}},[e,t],1e4),[n,s]=$(!1),[r,a]=$(null),[u,c]=$(null),[l,p]=$(null);if(o.error?.status===404)return d`<h1>Webhook not found</h1><${T}><p>It may have been deleted.</p><a href="#/webhooks">All webhooks</a><//>`;let _=o.data?.webhook,i=async h=>{p(null);try{await h(),await o.reload()}catch(f){p(f)}};return d`
    <p class="crumbs"><a href="#/webhooks">Webhooks</a> ›</p>
    <h1 class="url">${_?.url??"Webhook"}</h1>
    <${S} error=${l??o.error} />
    ${r?d`<${z} title="New signing secret" secret=${r} onDone=${()=>a(null)} />`:null}
    ${_?d`
        <div class="panel facts">
          <dl>
            <dt>Status</dt><dd>${_.enabled?d`<span class="badge badge-on">Enabled</span>`:d`<span class="badge badge-off">Disabled</span>`}</dd>
            <dt>Latest attempt</dt><dd><${We} health=${o.data.health} /></dd>
            <dt>Success (24 h)</dt><dd>${be(o.data.health?.success_rate_24h)}</dd>
            <dt>Events</dt><dd>${_.events.map(h=>d`<code class="tag">${h}</code> `)}</dd>
            <dt>Room</dt><dd>${_.room_id??"Every room"}</dd>
            <dt>Id</dt><dd><code>${_.id}</code></dd>
          </dl>
          <div class="actions">
            <button type="button" class="secondary" onClick=${()=>s(!n)} aria-expanded=${n}>Edit</button>
            <button type="button" class="secondary" onClick=${()=>i(()=>e.patch(x`/webhooks/${t}`,{enabled:!_.enabled}))}>${_.enabled?"Disable":"Enable"}</button>
            <button type="button" class="secondary" onClick=${()=>c("rotate")}>Rotate secret</button>
            <button type="button" class="danger" onClick=${()=>c("delete")}>Delete</button>
          </div>
        </div>
        ${n?d`<section aria-labelledby="edit-title"><h2 id="edit-title">Edit webhook</h2>
              <${we} api=${e} initial=${_} submitLabel="Save changes"
                onSubmit=${async h=>{await e.patch(x`/webhooks/${t}`,h),s(!1),await o.reload()}}
                onCancel=${()=>s(!1)} /></section>`:null}`:d`<div class="panel facts placeholder" aria-busy="true"></div>`}
    <${Le} open=${u==="delete"} title="Delete this webhook?" confirmLabel="Delete webhook"
      onCancel=${()=>c(null)}
      onConfirm=${async()=>{c(null);try{await e.del(x`/webhooks/${t}`),location.hash="#/webhooks"}catch(h){p(h)}}}>
      <p>Its deliveries and their log are deleted with it, and nothing more is sent to <code>${_?.url}</code>.</p>
    <//>
    <${Le} open=${u==="rotate"} title="Rotate the signing secret?" confirmLabel="Rotate secret"
      onCancel=${()=>c(null)}
      onConfirm=${()=>{c(null),i(async()=>a((await e.post(x`/webhooks/${t}/rotate-secret`)).webhook.secret))}}>
      <p>Deliveries are signed with the new secret and, for 24 hours, also with the old one, so you can update your receiver without losing any.</p>
    <//>
    <${Tt} api=${e} id=${t} ready=${!!_} />
    <${io} api=${e} id=${t} />
    <${co} api=${e} id=${t} />`}function io({api:e,id:t}){let o=R(()=>e.get(`/stats/deliveries?${new URLSearchParams({minutes:"60",webhook_id:t})}`),[e,t],1e4);return d`
    <section aria-labelledby="wh-charts-title">
      <h2 id="wh-charts-title">The last hour</h2>
      <${S} error=${o.error} />
      <div class="charts">
        <div class="panel"><h3>Attempts per minute</h3><${ye} minutes=${o.data?.minutes} /></div>
        <div class="panel"><h3>Attempt latency</h3><${ge} minutes=${o.data?.minutes} /></div>
      </div>
    </section>`}function co({api:e,id:t}){let[o,n]=$(""),[s,r]=$(""),[a,u]=$([]),[c,l]=$(void 0),[p,_]=$(null),i=()=>{let m=new URLSearchParams({limit:"25"});return o&&m.set("status",o),s&&m.set("event",s),m},h=R(async()=>await e.get(`${x`/webhooks/${t}/deliveries`}?${i()}`),[e,t,o,s],3e3),f=[...h.data?.deliveries??[],...a.filter(m=>!(h.data?.deliveries??[]).some(b=>b.id===m.id))],v=c===void 0?h.data?.next_cursor:c,y=async()=>{let m=i();m.set("cursor",v);let b=await e.get(`${x`/webhooks/${t}/deliveries`}?${m}`);u(P=>[...P,...b.deliveries]),l(b.next_cursor)},g=m=>b=>{m(b.target.value),u([]),l(void 0)};return d`
    <section aria-labelledby="deliveries-title">
      <h2 id="deliveries-title">Deliveries${typeof h.data?.total=="number"?d` <span class="muted">(${h.data.total})</span>`:null}</h2>
      <div class="filters">
        <label>Status
          <select value=${o} onChange=${g(n)}>
            <option value="">Any</option><option value="pending">Pending</option>
            <option value="success">Succeeded</option><option value="failed">Failed</option>
          </select>
        </label>
        <label>Event
          <select value=${s} onChange=${g(r)}>
            <option value="">Any</option>
            ${ee.map(m=>d`<option value=${m}>${m}</option>`)}
          </select>
        </label>
      </div>
      <${ho} api=${e} id=${t} onDone=${h.reload} />
      <${S} error=${h.error} />
      ${h.data===void 0&&!h.error?d`<div class="table-placeholder" aria-busy="true">Loading deliveries…</div>`:f.length===0?d`<${T}><p>${o||s?"No deliveries match these filters.":"No deliveries yet. They appear here as soon as a subscribed event happens (create a user, say)."}</p><//>`:d`<ul class="deliveries" aria-label="Deliveries, newest first">
              ${f.map(m=>d`<${uo} key=${m.id} api=${e} id=${t} d=${m} open=${p===m.id}
                onToggle=${()=>_(p===m.id?null:m.id)} onRetried=${h.reload} />`)}
            </ul>`}
      ${v?d`<button type="button" class="secondary" onClick=${y}>Load older deliveries</button>`:null}
    </section>`}function uo({api:e,id:t,d:o,open:n,onToggle:s,onRetried:r}){return d`
    <li class="delivery" data-status=${o.status}>
      <button type="button" class="row" aria-expanded=${n} onClick=${s}>
        <${me} status=${o.status} />
        <code>${o.event}</code>
        <span class="muted">${L(o.created_at)}</span>
        <span class="muted">${o.attempts} attempt${o.attempts===1?"":"s"}${o.status_code?`, HTTP ${o.status_code}`:""}</span>
        ${o.next_retry_at&&o.status==="pending"?d`<span class="muted">next try ${L(o.next_retry_at)}</span>`:null}
      </button>
      ${n?d`<${po} api=${e} id=${t} d=${o} onRetried=${r} />`:null}
    </li>`}function po({api:e,id:t,d:o,onRetried:n}){let s=R(()=>e.get(x`/webhooks/${t}/deliveries/${o.id}/attempts`),[e,t,o.id,o.attempts]),[r,a]=$(null),[u,c]=$(!1);return d`
    <div class="detail">
      <div class="actions">
        <button type="button" onClick=${async()=>{a(null);try{await e.post(x`/webhooks/${t}/deliveries/${o.id}/retry`),c(!0),n()}catch(p){a(p)}}}>Retry delivery</button>
        <span class="muted" aria-live="polite">${u?"Scheduled: it is attempted again now.":""}</span>
      </div>
      <${S} error=${r??s.error} />
      <h3>Attempts</h3>
      ${s.data?.attempts?.length===0?d`<p class="muted">Not attempted yet.</p>`:d`<div class="table-wrap"><table class="attempts">
            <thead><tr><th scope="col">Time</th><th scope="col">Status</th><th scope="col">Duration</th><th scope="col">Error</th><th scope="col">Response body</th></tr></thead>
            <tbody>${(s.data?.attempts??[]).map(p=>d`<tr>
                <td>${L(p.attempted_at)}</td>
                <td>${p.status_code??"\u2014"}</td>
                <td>${j(p.duration_ms)}</td>
                <td>${p.error??""}</td>
                <td><code class="body">${p.response_body||""}</code></td>
              </tr>`)}</tbody>
          </table></div>`}
      <h3>Payload</h3>
      <pre class="payload" tabindex="0" aria-label="Payload">${oe(o.payload)}</pre>
    </div>`}function ho({api:e,id:t,onDone:o}){let[n,s]=$(kt(new Date(Date.now()-36e5))),[r,a]=$(null),[u,c]=$(null);return d`
    <form class="recover" onSubmit=${async p=>{p.preventDefault(),c(null);try{let _=await e.post(x`/webhooks/${t}/recover`,{since:new Date(n).toISOString()});a(`${_.scheduled} failed deliver${_.scheduled===1?"y":"ies"} scheduled again.`),o()}catch(_){c(_)}}}>
      <label for="recover-since">Retry everything that failed since</label>
      <input id="recover-since" type="datetime-local" required value=${n} onInput=${p=>s(p.target.value)} />
      <button type="submit" class="secondary">Retry failed</button>
      <span class="muted" aria-live="polite">${r??""}</span>
      <${S} error=${u} />
    </form>`}var Mt=e=>`#/rooms/${encodeURIComponent(e)}`,At=e=>!e||/^(participant|session)\./.test(e.event);function _o(e){let[t,o]=$({}),n=U(null);return n.current??(n.current=(()=>{let s=new Set,r=new Set,a=new Set,u=new Set,c=!1,l=i=>s.has(i)&&(!a.has(i)||r.has(i)),p=async i=>{if(!(u.has(i)||!l(i))){u.add(i),r.delete(i);try{let h=await e.get(x`/rooms/${i}/participants`);if(c)return;o(f=>({...f,[i]:h.participants}))}catch{}finally{a.add(i),u.delete(i)}c||p(i)}},_=typeof IntersectionObserver=="function"?new IntersectionObserver(i=>{for(let h of i){let f=h.target.dataset.room;h.isIntersecting?(s.add(f),p(f)):s.delete(f)}},{rootMargin:"200px"}):null;return{watch(i){return _?_.observe(i):(s.add(i.dataset.room),p(i.dataset.room)),()=>{_?.unobserve(i),s.delete(i.dataset.room)}},stale(i){if(i)r.add(i);else for(let h of a)r.add(h)},flush(i){for(let h of s)(!i||i.has(h))&&p(h)},stop(){c=!0,_?.disconnect()}}})()),A(()=>()=>n.current.stop(),[]),[t,n.current]}function Nt({participants:e}){return e===void 0?d`<span class="muted">…</span>`:e.length===0?d`<span class="muted">Nobody connected</span>`:d`<ul class="people">
    ${e.map(t=>d`<li><span class="dot" aria-hidden="true"></span>${t.user.name}
        <span class="muted">${t.connections>1?` (${t.connections} connections)`:""}</span></li>`)}
  </ul>`}function fo({room:e,participants:t,rooms:o}){let n=U(null);return A(()=>o.watch(n.current),[e.id]),d`<li class="panel room" data-room=${e.id} ref=${n}>
    <h2><a href=${Mt(e.id)}>${e.name}</a> <span class="muted">${e.custom_id??""}</span></h2>
    <${Nt} participants=${t} />
  </li>`}function Dt({api:e}){let t=R(()=>e.get(`/rooms?live=true&limit=${D}`),[e],3e4),o=q(c=>e.get(`/rooms?limit=${D}&offset=${c}`),"rooms",[e],3e4),[n,s]=_o(e),r=U(!1),a=J(()=>fe(async()=>{let c;if(r.current){r.current=!1;let l=await t.reload();l&&(c=new Set(l.rooms.map(p=>p.id)))}s.flush(c)}),[]);A(()=>()=>a.cancel(),[]),De(e,c=>{At(c)&&((!c||c.event.startsWith("session."))&&(r.current=!0),s.stale(c?.room_id),a())});let u=t.data?.rooms??[];return d`
    <h1>Live rooms</h1>
    <p class="muted" aria-live="polite">${t.data?`${u.length} room${u.length===1?"":"s"} with people connected now. Updates as they come and go.`:""}</p>
    <${S} error=${t.error??o.error} />
    ${t.data===void 0&&!t.error?d`<div class="table-placeholder" aria-busy="true">Loading live rooms…</div>`:u.length===0?d`<${T}><p>Nobody is connected to any room right now. A room appears here as soon as someone connects to it (<code>GET /v1/connect?token=…</code>).</p><//>`:d`<ul class="rooms">
            ${u.map(c=>d`<${fo} key=${c.id} room=${c} participants=${n[c.id]} rooms=${s} />`)}
          </ul>`}
    ${t.data?.next_cursor?d`<p class="muted">Showing the first ${D} live rooms.</p>`:null}
    <section aria-labelledby="all-rooms-title">
      <h2 id="all-rooms-title">All rooms${typeof o.total=="number"?d` <span class="muted">(${o.total})</span>`:null}</h2>
      ${o.data&&o.items.length===0?d`<${T}><p>No rooms yet. Create one with <code>POST /v1/accounts/{id}/rooms</code>.</p><//>`:d`<ul class="room-links">
            ${o.items.map(c=>d`<li><a href=${Mt(c.id)}>${c.name}</a> <span class="muted">${c.custom_id??""}</span></li>`)}
          </ul>`}
      <${K} list=${o} what="rooms" />
    </section>`}function mo({data:e}){let t=e?.room,o=(n,s,r)=>d`<div title=${r}><dt>${n}</dt><dd>${t?s:"\u2026"}</dd></div>`;return d`<dl class="stats">
    ${o("Active participants",t?.active_participants,"Users participating now (active_participants)")}
    ${o("Time in session",wt(t?.duration_seconds),"The summed length of the room\u2019s sessions, the live one up to the last read (duration_seconds)")}
    ${o("Users now",e?.usersTotal,"Users of the room now (usersTotal)")}
    ${o("Users ever created",t?.total_users_created,"Users ever created in the room (total_users_created)")}
  </dl>`}function $o({list:e}){return e.data&&e.items.length===0?d`<${T}><p>No users in this room. Create one with <code>POST /v1/accounts/{id}/users</code>.</p><//>`:d`<ul class="users" aria-label="Users of the room">
    ${e.items.map(t=>d`<li data-user=${t.id}>
        <span class="dot ${t.status==="online"?"":"offline"}" aria-hidden="true"></span>
        <strong>${t.name}</strong>
        <span class="badge ${t.status==="online"?"badge-on":"badge-off"}">${t.status==="online"?"Online":"Offline"}</span>
        ${t.custom_id?d`<code class="tag">${t.custom_id}</code>`:null}
        <span class="muted">${t.status==="online"?`since ${L(t.joined_at)}`:t.left_at?`last seen ${L(t.left_at)}`:"never connected"}</span>
      </li>`)}
  </ul>`}var bo=e=>e>=1024*1024?`${(e/1024/1024).toFixed(1)} MiB`:e>=1024?`${(e/1024).toFixed(1)} KiB`:`${e} bytes`;function vo({api:e,id:t}){let o=R(()=>e.get(x`/rooms/${t}/stores`),[e,t]),n=o.data?.stores;return d`<section aria-labelledby="stores-title">
    <h2 id="stores-title">Stores</h2>
    <${S} error=${o.error} />
    ${n===void 0?d`<p class="muted">…</p>`:n.length===0?d`<${T}><p>No store has been written in this room yet.</p><//>`:d`<ul class="stores">
            ${n.map(s=>d`<li key=${s.name} data-store=${s.name}><${yo} api=${e} room=${t} store=${s} /></li>`)}
          </ul>`}
    <p><button type="button" class="secondary" onClick=${()=>o.refresh()}>Refresh stores</button></p>
  </section>`}function yo({api:e,room:t,store:o}){let[n,s]=$(!1);return d`<details class="panel" onToggle=${r=>s(r.currentTarget.open)}>
    <summary><code>${o.name}</code>
      <span class="muted"> ${o.entries} ${o.entries===1?"entry":"entries"} · version ${o.version} · ${bo(o.bytes)}</span></summary>
    ${n?d`<${go} api=${e} room=${t} name=${o.name} />`:null}
  </details>`}function go({api:e,room:t,name:o}){let n=q(s=>e.get(`${x`/rooms/${t}/stores/${o}`}?offset=${s}`).then(r=>({...r,entries:r.entries.map(a=>({...a,id:a.key}))})),"entries",[e,t,o]);return d`<${S} error=${n.error} />
    <div class="table-wrap"><table aria-label=${`Entries of ${o}`}>
      <thead><tr><th scope="col">Key</th><th scope="col">Value</th><th scope="col">Version</th><th scope="col">Last written</th></tr></thead>
      <tbody>
        ${n.items.map(s=>d`<tr key=${s.key} data-key=${s.key}>
            <td><code>${s.key}</code></td>
            <td><pre class="payload">${oe(JSON.stringify(s.value))}</pre></td>
            <td>${s.version}</td>
            <td>${L(s.updated_at)} <span class="muted">${s.updated_by?`by ${s.updated_by}`:"through the API"}</span></td>
          </tr>`)}
      </tbody>
    </table></div>
    <${K} list=${n} what="entries" />`}function Lt({api:e,id:t}){let o=q(a=>e.get(a?`${x`/rooms/${t}`}?offset=${a}`:x`/rooms/${t}`),"users",[e,t],void 0,"usersTotal"),n=R(()=>e.get(x`/rooms/${t}/participants`),[e,t]),s=R(()=>e.get(x`/rooms/${t}/recent-events?limit=30`),[e,t]);if(De(e,a=>{s.refresh(),(At(a)||a.event.startsWith("user."))&&n.refresh(),o.refresh()},t),o.error?.status===404)return d`<h1>Room not found</h1><${T}><p>It may have been deleted.</p><a href="#/rooms">All rooms</a><//>`;let r=o.data?.room;return d`
    <p class="crumbs"><a href="#/rooms">Live rooms</a> ›</p>
    <h1>${r?.name??"Room"}</h1>
    <p class="muted">${r?d`<code>${r.id}</code>${r.custom_id?d` · customId <code>${r.custom_id}</code>`:null} · created ${L(r.created_at)}`:"\xA0"}</p>
    <${S} error=${o.error??s.error} />
    <${mo} data=${o.data} />
    <section class="panel" aria-labelledby="now-title">
      <h2 id="now-title">Connected now</h2>
      <${Nt} participants=${n.data?.participants} />
    </section>
    <section aria-labelledby="users-title">
      <h2 id="users-title">Users</h2>
      <${$o} list=${o} />
      <${K} list=${o} what="users" />
    </section>
    <${vo} api=${e} id=${t} />
    <section aria-labelledby="recent-title">
      <h2 id="recent-title">Recent events</h2>
      ${s.data?.events?.length===0?d`<${T}><p>Nothing has happened in this room yet.</p><//>`:d`<ol class="events" aria-label="Recent events, newest first">
            ${(s.data?.events??[]).map(a=>d`<li>
                <details>
                  <summary><span class="seq" title="Its number in the room (room_seq)">#${a.room_seq}</span>
                    <code>${a.event}</code> <span class="muted">${L(a.created_at)}</span>
                    ${a.payload.user?d` · ${a.payload.user.name}`:null}</summary>
                  <pre class="payload">${oe(JSON.stringify(a.payload))}</pre>
                </details>
              </li>`)}
          </ol>`}
    </section>`}async function wo(e){try{return(await e.get("/alerts/destination")).destination}catch(t){if(t.status===404)return null;throw t}}function ko({api:e,current:t,onSaved:o}){let[n,s]=$(t?.url??""),[r,a]=$(String(t?.failure_threshold??5)),[u,c]=$(null),[l,p]=$(!1);return d`
    <form class="panel form" onSubmit=${async i=>{i.preventDefault(),p(!0),c(null);try{let h=await e.put("/alerts/destination",{url:n.trim(),failureThreshold:Number(r)});o(h.destination)}catch(h){c(h)}finally{p(!1)}}} aria-busy=${l}>
      <label for="alert-url">Alert destination URL</label>
      <input id="alert-url" type="url" required placeholder="https://example.com/collabkit/alerts"
        value=${n} onInput=${i=>s(i.target.value)} />
      <label for="alert-threshold">Failed attempts in a row before a registration is failing</label>
      <input id="alert-threshold" type="number" min="1" max="10000" required
        value=${r} onInput=${i=>a(i.target.value)} />
      <${S} error=${u} />
      <div class="actions"><button type="submit" disabled=${l}>Save destination</button></div>
    </form>`}function xo({api:e,onChanged:t}){let o=R(()=>wo(e),[e]),[n,s]=$(null),[r,a]=$(null),u=p=>{p.secret&&s({url:p.url,secret:p.secret}),o.reload(),t()},c=async()=>{a(null);try{await e.del("/alerts/destination"),o.reload(),t()}catch(p){a(p)}},l=o.data;return d`
    <section aria-labelledby="destination-title">
      <h2 id="destination-title">Destination</h2>
      <p class="muted">Alerts are signed like deliveries (Standard Webhooks) with the destination's own
        secret, and never sent to the failing registration.</p>
      <${S} error=${o.error??r} />
      ${n?d`<${z} title=${`Alert destination set to ${n.url}`} secret=${n.secret} onDone=${()=>s(null)} />`:null}
      ${l===void 0?d`<div class="facts placeholder" aria-busy="true">Loading the destination…</div>`:l===null?d`<${T}><p>No alert destination yet: set one to be told when delivery breaks.</p><//>`:d`<div class="panel facts"><dl>
              <dt>URL</dt><dd><code data-testid="alert-url">${l.url}</code></dd>
              <dt>Failing after</dt><dd>${l.failure_threshold} failed attempts in a row</dd>
              <dt>Updated</dt><dd>${L(l.updated_at)}</dd>
            </dl>
            <div class="actions"><button type="button" class="secondary" onClick=${c}>Remove destination</button></div>
          </div>`}
      ${l===void 0?null:d`<${ko} api=${e} current=${l} key=${l?.updated_at??"new"} onSaved=${u} />`}
    </section>`}var So={"registration.failing":"Failing","registration.disabled":"Disabled","registration.recovered":"Recovered","delivery.exhausted":"Delivery exhausted"};function Eo({api:e,reloadKey:t}){let o=q(n=>e.get(`/alerts?limit=${D}&offset=${n}`),"alerts",[e,t],1e4);return o.data===void 0&&!o.error?d`<div class="table-placeholder" aria-busy="true">Loading alerts…</div>`:o.data&&o.items.length===0?d`<${T}><p>No alerts yet.</p><//>`:d`
    <${S} error=${o.error} />
    <div class="table-wrap">
      <table class="cards alerts">
        <caption class="visually-hidden">Delivery alerts, newest first</caption>
        <thead><tr><th scope="col">Alert</th><th scope="col">Registration</th><th scope="col">When</th><th scope="col">Status</th><th scope="col">Attempts</th></tr></thead>
        <tbody>
          ${o.items.map(n=>d`<tr class="alert-row" data-kind=${n.kind} data-status=${n.status}>
              <td><strong>${So[n.kind]??n.kind}</strong> <code class="muted">${n.kind}</code></td>
              <td data-label="Registration"><a href=${`#/webhooks/${encodeURIComponent(n.webhook_id)}`}><code>${n.webhook_id}</code></a></td>
              <td data-label="When">${L(n.created_at)}</td>
              <td data-label="Status"><${me} status=${n.status} />${n.error?d` <span class="muted">${n.error}</span>`:null}</td>
              <td data-label="Attempts">${n.attempts}${n.status_code?d` <span class="muted">(last ${n.status_code})</span>`:null}</td>
            </tr>`)}
        </tbody>
      </table>
    </div>
    <${K} list=${o} what="alerts" />`}function Ut({api:e}){let[t,o]=$(0);return d`
    <div class="title-row"><h1>Alerts</h1></div>
    <${xo} api=${e} onChanged=${()=>o(n=>n+1)} />
    <section aria-labelledby="log-title">
      <h2 id="log-title">Alert log</h2>
      <p class="muted">Suppressed alerts were held back by the rate limit (one per registration and kind
        per interval, a cap per minute): kept here, never sent.</p>
      <${Eo} api=${e} reloadKey=${t} />
    </section>`}var Fe="collabkit.dashboard.credential";function Co(){let[e,t]=$(location.hash||"#/");return A(()=>{let o=()=>t(location.hash||"#/");return window.addEventListener("hashchange",o),()=>window.removeEventListener("hashchange",o)},[]),e}function Ro(e){return e.replace(/^#\/?/,"").split("/").filter(Boolean).map(t=>{try{return decodeURIComponent(t)}catch{return null}})}function Wt({what:e,list:t}){return d`<h1>Not a valid ${e} id</h1><${T}><p>The address names no ${e} this dashboard can show.</p>${t}<//>`}function Po({onSignedIn:e,notice:t}){let[o,n]=$(""),[s,r]=$(""),[a,u]=$(null),[c,l]=$(!1);return d`
    <main class="signin" id="main">
      <form class="panel form" onSubmit=${async _=>{_.preventDefault(),l(!0),u(null);try{await yt(o.trim(),s.trim()),e({accountId:o.trim(),apiKey:s.trim()})}catch(i){u(i)}finally{l(!1)}}} aria-busy=${c}>
        <h1>CollabKit dashboard</h1>
        <p class="muted">Sign in with an account id and its API key: the ones <code>collabkit serve</code>
          printed on first start, or <code>collabkit accounts create</code>.</p>
        ${t?d`<p class="notice" role="status">${t}</p>`:null}
        <label for="account-id">Account id</label>
        <input id="account-id" autocomplete="username" required spellcheck="false"
          placeholder="acc_…" value=${o} onInput=${_=>n(_.target.value)} />
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="current-password" required
          value=${s} onInput=${_=>r(_.target.value)} />
        ${a?d`<p class="error" role="alert">${a.message}</p>`:null}
        <button type="submit" disabled=${c}>${c?"Signing in\u2026":"Sign in"}</button>
        <p class="muted small">The key stays in this tab's session storage and is sent only to this server.</p>
      </form>
    </main>`}function To({credential:e,onSignOut:t}){let o=Co(),n=J(()=>Ne(e.accountId,e.apiKey,()=>t("Your API key is no longer accepted (it may have been rotated). Sign in again.")),[e]),s=Ro(o),r=s[1],a,u="overview";s[0]==="webhooks"?(u="webhooks",r==="new"||r===void 0?a=d`<${Rt} api=${n} creating=${r==="new"} />`:te(r)?a=d`<${It} api=${n} id=${r} key=${r} />`:a=d`<${Wt} what="webhook" list=${d`<a href="#/webhooks">All webhooks</a>`} />`):s[0]==="rooms"?(u="rooms",r===void 0?a=d`<${Dt} api=${n} />`:te(r)?a=d`<${Lt} api=${n} id=${r} key=${r} />`:a=d`<${Wt} what="room" list=${d`<a href="#/rooms">All rooms</a>`} />`):s[0]==="alerts"?(u="alerts",a=d`<${Ut} api=${n} />`):a=d`<${Pt} api=${n} />`,A(()=>{document.title=`${{overview:"Overview",webhooks:"Webhooks",rooms:"Live rooms",alerts:"Alerts"}[u]} \xB7 CollabKit`},[u]);let c=(l,p,_)=>d`<a href=${l} aria-current=${u===p?"page":void 0}>${_}</a>`;return d`
    <a class="skip" href="#main" onClick=${l=>{l.preventDefault(),document.getElementById("main").focus()}}>Skip to content</a>
    <header class="top">
      <span class="brand">CollabKit</span>
      <nav aria-label="Dashboard">
        ${c("#/","overview","Overview")}
        ${c("#/webhooks","webhooks","Webhooks")}
        ${c("#/rooms","rooms","Live rooms")}
        ${c("#/alerts","alerts","Alerts")}
      </nav>
      <span class="account"><span class="muted">Account</span> <code>${e.accountId}</code></span>
      <button type="button" class="secondary small" onClick=${()=>t()}>Sign out</button>
    </header>
    <main id="main" tabindex="-1">${a}</main>`}function Io(){let[e,t]=$(()=>{try{return JSON.parse(sessionStorage.getItem(Fe))}catch{return null}}),[o,n]=$(null);return e?d`<${To} credential=${e} onSignOut=${s=>{sessionStorage.removeItem(Fe),n(s??null),t(null)}} />`:d`<${Po} notice=${o} onSignedIn=${s=>{sessionStorage.setItem(Fe,JSON.stringify(s)),n(null),t(s)}} />`}var Ot=document.getElementById("app");Ot.textContent="";ot(d`<${Io} />`,Ot);
